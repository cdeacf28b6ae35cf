import { auditLog, auditSeals, createDatabase, rowsOf, type Database } from "@seed/db";
import { availableDrivers, createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { asc, sql, type SQL } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recordAudit } from "../src/audit/audit";
import { readChainHead } from "../src/audit-chain/chain-head";
import { ROWS_PER_SEAL, sealAuditLog } from "../src/audit-chain/seal-audit-log";
import { sealAuditJob } from "../src/audit-chain/seal-audit-job";
import type { JobDependencies } from "../src/jobs/job-definition";
import { rowDigestsAfter } from "../src/audit-chain/row-digests";
import { SEALER_LOCK_KEY } from "../src/audit-chain/sealing-horizon";
import { verifyAuditChain } from "../src/audit-chain/verify-audit-chain";
import { systemActor } from "../src/shared/actor";

/** Writes `count` audit rows, each in its own transaction as the services do; resolves with their ids. */
async function writeAuditRows(db: Database, count: number, label = "test.write"): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1) {
    await recordAudit(db, systemActor, {
      action: label,
      resource: "order",
      resourceId: `order-${index}`,
      after: { index, total: 12.5, items: [{ sku: "lamp", quantity: 2 }] },
    });
    ids.push(await lastAuditId(db));
  }
  return ids;
}

async function lastAuditId(db: Database): Promise<number> {
  const [row] = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .orderBy(sql`${auditLog.id} desc`)
    .limit(1);
  return row!.id;
}

class Rollback extends Error {}

/** An audit row inserted, then rolled back: its id is never used. */
async function rolledBackAuditId(db: Database): Promise<number> {
  let id = 0;
  await db
    .transaction(async (tx) => {
      const [row] = await tx
        .insert(auditLog)
        .values({ action: "test.rolled_back", resource: "test" })
        .returning({ id: auditLog.id });
      id = row!.id;
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return id;
}

/** What a database superuser can do past the append-only triggers. */
async function rowsOfDigest(db: Database, statement: SQL): Promise<[{ digest: string }]> {
  const rows = await rowsOf<{ digest: string }>(db, statement);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows as [{ digest: string }];
}

async function asSuperuser(db: Database, statement: SQL): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

/** Each test starts from an empty trail, its ids from 1 again. */
function startAfresh(db: Database): Promise<void> {
  return asSuperuser(db, sql`truncate audit_log, audit_seals, audit_seal_horizon restart identity`);
}

describe.each(availableDrivers())("the audit hash chain on %s", (driver) => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    db = database.connection.db;
  });
  beforeEach(() => startAfresh(db));
  afterAll(() => database?.destroy());

  it("seals the rows written so far, verifies them, and reports later rows as not sealed yet", async () => {
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, sealsVerified: 0, head: { sequence: 0 } });
    const ids = await writeAuditRows(db, 5);

    const [seal, ...more] = await sealAuditLog(db);
    expect(more).toEqual([]);
    expect(seal).toMatchObject({ sequence: 1, firstRowId: 1, lastRowId: ids.at(-1), rowIds: ids });
    await writeAuditRows(db, 2);

    expect(await verifyAuditChain(db)).toEqual({
      intact: true,
      sealsVerified: 1,
      verifiedThroughRowId: ids.at(-1),
      head: {
        sequence: 1,
        hash: seal!.hash,
        sealedAt: seal!.sealedAt,
        sealedThroughRowId: ids.at(-1),
        unsealedRows: 2,
      },
      firstBreak: null,
    });
    expect(await sealAuditLog(db)).toHaveLength(1);
    expect(await sealAuditLog(db)).toEqual([]);
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, sealsVerified: 2, head: { unsealedRows: 0 } });
  });

  it("chains each seal to the one before and splits a long backlog into seals of bounded size", async () => {
    await db.insert(auditLog).values(
      Array.from({ length: ROWS_PER_SEAL + 3 }, (_, index) => ({
        action: "test.bulk",
        resource: "test",
        resourceId: `${index}`,
      })),
    );
    const seals = await sealAuditLog(db);
    expect(seals.map((seal) => [seal.firstRowId, seal.lastRowId, seal.rowIds.length])).toEqual([
      [1, ROWS_PER_SEAL, ROWS_PER_SEAL],
      [ROWS_PER_SEAL + 1, ROWS_PER_SEAL + 3, 3],
    ]);
    expect(seals[1]!.previousHash).toBe(seals[0]!.hash);
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, sealsVerified: 2 });
  });

  it("passes over an id left unused by a rolled-back transaction instead of waiting for it", async () => {
    const before = await writeAuditRows(db, 2);
    const unused = await rolledBackAuditId(db);
    const after = await writeAuditRows(db, 1);

    const [seal] = await sealAuditLog(db);
    expect(seal).toMatchObject({ firstRowId: 1, lastRowId: after[0], rowIds: [...before, ...after] });
    expect(seal!.rowIds).not.toContain(unused);
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, head: { unsealedRows: 0 } });
  });

  it("names a row changed after it was sealed, the first one when several were", async () => {
    const ids = await writeAuditRows(db, 4);
    await sealAuditLog(db);
    const later = await writeAuditRows(db, 3);
    await sealAuditLog(db);

    await asSuperuser(db, sql`update audit_log set "action" = 'test.innocent' where "id" = ${later[1]}`);
    expect((await verifyAuditChain(db)).firstBreak).toEqual({
      kind: "row_changed",
      sealSequence: 2,
      rowId: later[1],
      message: `Audit row ${later[1]} was changed after seal 2 sealed it`,
    });

    // A change as small as a microsecond of its time, in an earlier seal, is found first.
    await asSuperuser(db, sql`update audit_log set "at" = "at" + interval '1 microsecond' where "id" = ${ids[2]}`);
    expect(await verifyAuditChain(db)).toMatchObject({
      intact: false,
      sealsVerified: 0,
      verifiedThroughRowId: 0,
      firstBreak: { kind: "row_changed", sealSequence: 1, rowId: ids[2] },
    });
  });

  it("names a row deleted after it was sealed", async () => {
    const ids = await writeAuditRows(db, 4);
    await sealAuditLog(db);
    await asSuperuser(db, sql`delete from audit_log where "id" = ${ids[1]}`);

    expect(await verifyAuditChain(db)).toMatchObject({
      intact: false,
      firstBreak: { kind: "row_deleted", sealSequence: 1, rowId: ids[1] },
    });
  });

  it("names a row inserted into a sealed range, where an unused id left room for it", async () => {
    await writeAuditRows(db, 2);
    const unused = await rolledBackAuditId(db);
    await writeAuditRows(db, 2);
    await sealAuditLog(db);

    await asSuperuser(
      db,
      sql`insert into audit_log ("id", "at", "action", "resource") overriding system value
          values (${unused}, now() - interval '1 day', 'user.grant_role', 'user')`,
    );
    expect(await verifyAuditChain(db)).toMatchObject({
      intact: false,
      firstBreak: { kind: "row_inserted", sealSequence: 1, rowId: unused },
    });
  });

  it("notices a seal whose recorded digests were changed to match a changed row", async () => {
    const ids = await writeAuditRows(db, 3);
    await sealAuditLog(db);
    await writeAuditRows(db, 1);
    await sealAuditLog(db);

    await asSuperuser(db, sql`update audit_log set "resource_id" = 'someone-else' where "id" = ${ids[0]}`);
    const [forged] = await rowDigestsAfter(db, 0, 1);
    await asSuperuser(db, sql`update audit_seals set "row_digests"[1] = ${forged!.digest} where "sequence" = 1`);

    expect(await verifyAuditChain(db)).toMatchObject({
      intact: false,
      firstBreak: { kind: "seal_tampered", sealSequence: 1, rowId: 1 },
    });
  });

  it("covers the system principal a row names, and encodes rows without one as before it existed", async () => {
    await recordAudit(
      db,
      { ...systemActor, principal: "cli" },
      { action: "user.disable", resource: "user", resourceId: null },
    );
    const [plain] = await writeAuditRows(db, 1);
    await sealAuditLog(db);

    const [{ digest: before }] = await rowsOfDigest(
      db,
      sql`select encode(sha256(convert_to(jsonb_build_array("id",
            to_char("at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            "actor_id", "action", "resource", "resource_id", "before", "after", "ip", "user_agent", "request_id"
          )::text, 'UTF8')), 'hex') as "digest" from audit_log where "id" = ${plain}`,
    );
    const digests = await rowDigestsAfter(db, 0, 10);
    expect(digests.find((row) => row.id === plain)?.digest).toBe(before);

    await asSuperuser(db, sql`update audit_log set "actor_principal" = 'worker' where "actor_principal" = 'cli'`);
    expect(await verifyAuditChain(db)).toMatchObject({ intact: false, firstBreak: { kind: "row_changed" } });
  });

  it("notices a seal removed from the middle of the chain, and one cut off its end given the head seen before", async () => {
    await writeAuditRows(db, 2);
    await sealAuditLog(db);
    await writeAuditRows(db, 2);
    const [second] = await sealAuditLog(db);
    await writeAuditRows(db, 2);
    const [third] = await sealAuditLog(db);

    await asSuperuser(db, sql`delete from audit_seals where "sequence" = 3`);
    // Without an outside copy of the head, a chain cut short looks whole; with one, it does not.
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, head: { sequence: 2, unsealedRows: 2 } });
    expect(await verifyAuditChain(db, { expectedHash: second!.hash })).toMatchObject({ intact: true });
    expect(await verifyAuditChain(db, { expectedHash: third!.hash })).toMatchObject({
      intact: false,
      firstBreak: { kind: "head_unknown", rowId: null },
    });

    await writeAuditRows(db, 1);
    await sealAuditLog(db);
    await asSuperuser(db, sql`delete from audit_seals where "sequence" = 2`);
    expect(await verifyAuditChain(db)).toMatchObject({
      intact: false,
      sealsVerified: 1,
      firstBreak: { kind: "seal_missing", sealSequence: 2, rowId: second!.firstRowId },
    });
  });

  it("refuses to change or remove a seal without superuser powers", async () => {
    await writeAuditRows(db, 1);
    await sealAuditLog(db);
    await expect(db.execute(sql`update audit_seals set "hash" = repeat('0', 64)`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_seals`)).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_seals`)).rejects.toThrow();
    expect(await db.select().from(auditSeals)).toHaveLength(1);
  });

  it("logs the chain's head on every run of the sealing job, whether it sealed or not", async () => {
    await writeAuditRows(db, 2);
    const lines: unknown[] = [];
    const log = { debug() {}, info: (fields: unknown) => lines.push(fields), warn() {}, error() {} };
    // The sealing job uses the database and the log only.
    const deps = { db, log } as unknown as JobDependencies;
    await sealAuditJob.run(deps, {});
    await sealAuditJob.run(deps, {});
    const head = await readChainHead(db);
    const logged = { headSeal: 1, headHash: head.hash, sealedThroughRowId: 2, unsealedRows: 0 };
    expect(lines).toEqual([
      { newSeals: 1, ...logged },
      { newSeals: 0, ...logged },
    ]);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("the audit hash chain with concurrent transactions on Postgres", () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    db = database.connection.db;
  });
  beforeEach(() => startAfresh(db));
  // A test that fails half-way leaves no writer open to block the next one.
  const stillOpen = new Set<() => Promise<void>>();
  afterEach(() => Promise.all([...stillOpen].map((rollback) => rollback())));
  afterAll(() => database?.destroy());

  /** A transaction that has written an audit row and stays open until told to commit or roll back. */
  async function openWriter() {
    let decide!: (outcome: "commit" | "rollback") => void;
    const decision = new Promise<"commit" | "rollback">((resolve) => (decide = resolve));
    let written!: (id: number) => void;
    const inserted = new Promise<number>((resolve) => (written = resolve));
    const ended = db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(auditLog)
          .values({ action: "test.open_writer", resource: "test" })
          .returning({ id: auditLog.id });
        written(row!.id);
        if ((await decision) === "rollback") throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    const id = await Promise.race([inserted, ended.then(() => Promise.reject(new Error("ended before writing")))]);
    const end = (outcome: "commit" | "rollback") => () => {
      stillOpen.delete(rollback);
      decide(outcome);
      return ended;
    };
    const rollback = end("rollback");
    stillOpen.add(rollback);
    return { id, commit: end("commit"), rollback };
  }

  it("seals a row that commits after a higher one in a later seal, instead of skipping it", async () => {
    const early = await writeAuditRows(db, 3);
    const late = await openWriter();
    const [higher] = await writeAuditRows(db, 1);
    expect(higher).toBeGreaterThan(late.id);

    expect(await sealAuditLog(db)).toMatchObject([{ sequence: 1, lastRowId: early.at(-1), rowIds: early }]);
    expect(await sealAuditLog(db)).toEqual([]);
    await late.commit();

    expect(await sealAuditLog(db)).toMatchObject([
      { sequence: 2, firstRowId: late.id, lastRowId: higher, rowIds: [late.id, higher] },
    ]);
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, sealsVerified: 2, head: { unsealedRows: 0 } });
  });

  it("passes over a rolled-back id once the writers open when it was seen have ended, while new ones keep writing", async () => {
    const [first] = await writeAuditRows(db, 1);
    const unused = await rolledBackAuditId(db);
    const open = await openWriter();

    // The unused id could be the open writer's: nothing after the first row is final yet.
    expect(await sealAuditLog(db)).toMatchObject([{ rowIds: [first] }]);
    const newer = await openWriter();
    await open.commit();

    // The writers seen at the last run have ended; the newer one still writes, above them.
    expect(await sealAuditLog(db)).toMatchObject([{ firstRowId: unused, lastRowId: open.id, rowIds: [open.id] }]);
    await newer.rollback();
    const [last] = await writeAuditRows(db, 1);
    expect(await sealAuditLog(db)).toMatchObject([{ firstRowId: open.id + 1, lastRowId: last, rowIds: [last] }]);
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, sealsVerified: 3 });
  });

  it("lets two sealers run at once without forking the chain", async () => {
    const other = await createDatabase({ url: database.url, poolSize: 2 });
    try {
      for (let round = 0; round < 5; round += 1) {
        await writeAuditRows(db, 3);
        await Promise.all([sealAuditLog(db), sealAuditLog(other.db)]);
      }
    } finally {
      await other.close();
    }
    const seals = await db.select().from(auditSeals).orderBy(asc(auditSeals.sequence));
    expect(seals.map((seal) => seal.sequence)).toEqual(seals.map((_, index) => index + 1));
    expect(seals.flatMap((seal) => seal.rowIds)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, sealsVerified: seals.length });
  });

  it("refuses a second seal in the same place of the chain", async () => {
    await writeAuditRows(db, 1);
    const [seal] = await sealAuditLog(db);
    const { sequence: _, previousHash, ...rest } = seal!;
    await expect(db.insert(auditSeals).values({ ...rest, sequence: 2, previousHash })).rejects.toThrow();
    await expect(db.insert(auditSeals).values({ ...rest, sequence: 1, previousHash: seal!.hash })).rejects.toThrow();
  });

  it("writes audit rows while a sealer holds its lock: the write path never waits for the chain", async () => {
    await writeAuditRows(db, 1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const sealer = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${SEALER_LOCK_KEY})`);
      locked();
      await released;
    });
    await holding;
    const written = await writeAuditRows(db, 3);
    release();
    await sealer;
    expect(written).toHaveLength(3);
    expect(await sealAuditLog(db)).toMatchObject([{ rowIds: [1, ...written] }]);
  });

  it("encodes a row the same on PGlite and Postgres, whatever the session's time zone", async () => {
    const embedded = await createTestDatabase("pglite");
    try {
      const row = {
        at: new Date("2026-03-01T12:34:56.789Z"),
        actorId: "6f1c2c5e-4d1b-4b8a-9a77-0d6f0f5d2a11",
        action: "order.place",
        resource: "order",
        resourceId: "o-1",
        before: null,
        after: { total: 1.5, note: 'naïve "quoted" ☃', nested: { b: [1, 2], a: null } },
        ip: "203.0.113.7",
        userAgent: "test",
        requestId: "r-1",
      };
      for (const target of [db, embedded.connection.db]) await target.insert(auditLog).values(row);
      const [onPostgres] = await db.transaction(async (tx) => {
        await tx.execute(sql`set local time zone 'America/New_York'`);
        return rowDigestsAfter(tx, 0, 1);
      });
      const [onPglite] = await rowDigestsAfter(embedded.connection.db, 0, 1);
      expect(onPostgres).toEqual(onPglite);
    } finally {
      await embedded.destroy();
    }
  });
});
