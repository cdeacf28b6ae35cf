import { readChainHead, recordAudit, systemActor } from "@seed/core";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../server/test/support/run-script";

const cli = (args: string[], env: Record<string, string>) => runCli(args, { NODE_ENV: "test", ...env });

describe.skipIf(!process.env.DATABASE_URL)("pnpm cli seal-audit and verify-audit on Postgres", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    env = { DATABASE_URL: database.url! };
  });
  afterAll(() => database?.destroy());

  const db = () => database.connection.db;
  const audit = (action: string) =>
    recordAudit(db(), systemActor, { action, resource: "order", resourceId: action, after: { action } });

  it("seals the rows written so far and vouches for them, checks them against a head kept elsewhere, and names the row changed behind its back", async () => {
    for (const action of ["order.place", "order.pay", "order.ship"]) await audit(action);

    const sealed = await cli(["seal-audit"], env);
    const head = await readChainHead(db());
    expect(sealed).toEqual({
      code: 0,
      stdout: `Sealed 3 audit rows in 1 seal.\nHead: seal 1, ${head.hash}\n`,
      stderr: "",
    });

    await audit("order.refund");
    expect(await cli(["verify-audit", head.hash!], env)).toEqual({
      code: 0,
      stdout: `Seals 1 to 1 are sound: audit rows 1 to 3.\nHead: seal 1, ${head.hash}\n1 audit row after it is not sealed yet.\n`,
      stderr: "",
    });

    const unknown = "ab".repeat(32);
    expect(await cli(["verify-audit", unknown], env)).toEqual({
      code: 1,
      stdout: "Seals 1 to 1 are sound: audit rows 1 to 3.\n",
      stderr: `error: the audit chain is broken: No seal has the hash ${unknown}: seals were cut off the end of the chain or rewritten\n`,
    });

    // A superuser edits the trail past its append-only trigger.
    await db().transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update audit_log set "after" = '{"action":"order.cancel"}' where "id" = 2`);
    });
    expect(await cli(["verify-audit"], env)).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: the audit chain is broken from row 2 on: Audit row 2 was changed after seal 1 sealed it\n",
    });
    // Five commands, each a process of its own that opens the database.
  }, 120_000);

  it("refuses an argument that is not a seal hash, in one line", async () => {
    expect(await cli(["verify-audit", "latest"], env)).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: expected at most one argument: a seal hash (64 hex digits) kept outside the database\n",
    });
  });
});
