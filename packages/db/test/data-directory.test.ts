import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, DataDirectoryError, DataDirectoryInUseError, rowsOf, type DatabaseConnection } from "../src";
import { socketPathOf } from "../src/embedded/data-directory";

const countRows = async (connection: DatabaseConnection) =>
  (await rowsOf<{ count: number }>(connection.db, sql`select count(*)::int as count from notes`))[0]!.count;

describe("an embedded data directory", () => {
  let root: string;
  let dataDir: string;
  let owner: DatabaseConnection;
  /** A client of the owner's socket, as the CLI or psql would be. */
  let client: postgres.Sql;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "seed-data-directory-"));
    dataDir = join(root, "pglite");
    owner = await createDatabase({ dataDir });
    await owner.db.execute(sql`create table notes (body text)`);
    client = postgres({ path: socketPathOf(dataDir), max: 1, onnotice: () => {} });
  }, 60_000);
  afterAll(async () => {
    await client?.end({ timeout: 1 });
    await owner?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("refuses a second opener while its owner lives, naming the owner", async () => {
    const second = createDatabase({ dataDir });
    await expect(second).rejects.toThrow(DataDirectoryInUseError);
    await expect(second).rejects.toThrow(`is in use by process ${process.pid}`);
  });

  it("lets a second opener work on the same data through the owner", async () => {
    const through = await createDatabase({ dataDir, whenInUse: "connect-through-owner" });
    try {
      expect(through.description).toBe(`the embedded database in ${dataDir}, through process ${process.pid}`);
      await through.db.execute(sql`insert into notes values ('through the owner')`);
      expect(await countRows(owner)).toBe(await countRows(through));
    } finally {
      await through.db.execute(sql`delete from notes`);
      await through.close();
    }
  });

  it("keeps a client's transaction to itself until it commits", async () => {
    let ownerRead: Promise<number> | undefined;
    let ownerDone = false;
    await client.begin(async (transaction) => {
      await transaction`insert into notes values ('uncommitted')`;
      ownerRead = countRows(owner).finally(() => (ownerDone = true));
      // Round trips of the open transaction: the owner's query would have slipped in between.
      for (let trip = 0; trip < 5; trip += 1) await transaction`select 1`;
      expect(ownerDone).toBe(false);
    });
    expect(await ownerRead).toBe(1);
    await client`delete from notes`;
  });

  it("lets the owner see nothing of a transaction rolled back", async () => {
    let ownerRead: Promise<number> | undefined;
    await client
      .begin(async (transaction) => {
        await transaction`insert into notes values ('rolled back')`;
        ownerRead = countRows(owner);
        await transaction`select 1`;
        throw new Error("changed my mind");
      })
      .catch(() => {});
    expect(await ownerRead).toBe(0);
  });

  it("rolls back a client that leaves mid-transaction, and forgets its settings", async () => {
    const [before] = await client`show search_path`;
    const leaving = postgres({ path: socketPathOf(dataDir), max: 1, onnotice: () => {} });
    const reserved = await leaving.reserve();
    await reserved`set search_path to nowhere`;
    await reserved`begin`;
    await reserved`insert into public.notes values ('abandoned')`;
    const ownerRead = countRows(owner);
    await leaving.end({ timeout: 0 });
    expect(await ownerRead).toBe(0);
    const [after] = await client`show search_path`;
    expect(after!.search_path).toBe(before!.search_path);
  });

  it("hangs up on a malformed startup, and goes on serving", async () => {
    for (const garbage of [
      [0, 0, 0, 4],
      [0, 0, 0, 7, 1, 2, 3],
      [0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0],
      [0, 0, 0, 2],
    ]) {
      const socket = connect({ path: socketPathOf(dataDir) });
      await once(socket, "connect");
      socket.end(Buffer.from(garbage));
      await once(socket, "close");
    }
    const [answer] = await client`select 1 as one`;
    expect(answer!.one).toBe(1);
    expect(await countRows(owner)).toBe(0);
  });

  it("answers psql, which finds the socket from the directory's name", async () => {
    const { stdout } = await promisify(execFile)("psql", ["-h", dataDir, "-U", "postgres", "-Atc", "select 6 * 7"]);
    expect(stdout.trim()).toBe("42");
  });

  it("keeps only the owner's socket and note beside the database files", async () => {
    const entries = await readdir(dataDir);
    expect(entries).toContain("PG_VERSION");
    expect(entries.filter((entry) => entry.startsWith("."))).toEqual(expect.arrayContaining([".s.PGSQL.5432"]));
    expect(entries).not.toContain(".new");
    expect(entries.filter((entry) => entry.startsWith(".initialising"))).toEqual([]);
  });
});

describe("creating an embedded database", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "seed-first-start-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("refuses a folder that holds something else, and touches none of it", async () => {
    const folder = join(root, "not-a-database");
    await mkdir(folder);
    await writeFile(join(folder, "notes.txt"), "mine");
    await expect(createDatabase({ dataDir: folder })).rejects.toThrow(DataDirectoryError);
    await expect(createDatabase({ dataDir: folder })).rejects.toThrow(
      /holds files that are not a database \(notes\.txt\)/,
    );
    expect((await readdir(folder)).filter((entry) => !entry.startsWith("."))).toEqual(["notes.txt"]);
  });

  it("starts over from a creation that was cut short", { timeout: 60_000 }, async () => {
    const folder = join(root, "interrupted");
    const abandoned = ".initialising-of-a-start-that-was-killed";
    await mkdir(join(folder, abandoned, "base"), { recursive: true });
    await writeFile(join(folder, abandoned, "PG_VERSION"), "18\n");
    const connection = await createDatabase({ dataDir: folder });
    try {
      await connection.migrate();
      await expect(connection.ping()).resolves.toBeUndefined();
      expect((await readdir(folder)).filter((entry) => entry.startsWith(".initialising"))).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
