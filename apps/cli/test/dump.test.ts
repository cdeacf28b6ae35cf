import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createDatabase, rowsOf, type DatabaseConnection } from "@seed/db";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../server/test/support/run-script";

const cli = (args: string[], env: Record<string, string>) => runCli(args, { NODE_ENV: "test", ...env });

/** Every user table with its number of rows, as `schema.table`. */
async function rowCounts(connection: DatabaseConnection): Promise<Record<string, number>> {
  const tables = await rowsOf<{ name: string }>(
    connection.db,
    sql`select format('%I.%I', table_schema, table_name) as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema in ('public', 'drizzle') order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await rowsOf<{ count: number }>(connection.db, sql.raw(`select count(*)::int as count from ${name}`));
    counts[name] = row!.count;
  }
  return counts;
}

/** A few rows of several tables, as text, so that types compare the same on both drivers. */
const sampleQueries = {
  products: sql`select id, sku, name, price_amount, stock, created_at::text, search::text from products order by sku limit 5`,
  users: sql`select id, email, password_hash, created_at::text from users order by email`,
  orders: sql`select id, user_id, status, total_amount, created_at::text from orders order by id limit 5`,
  audit: sql`select id::text, action, resource, after::text, at::text from audit_log order by id desc limit 5`,
};

async function samples(connection: DatabaseConnection) {
  const taken: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(sampleQueries)) taken[name] = await rowsOf(connection.db, query);
  return taken;
}

describe.skipIf(!process.env.DATABASE_URL)("pnpm cli dump", () => {
  let root: string;
  let dataDir: string;
  let targetUrl: string;
  const targetName = `seed_restore_${process.pid}`;
  const admin = postgres(process.env.DATABASE_URL ?? "", { max: 1, onnotice: () => {} });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "seed-dump-"));
    dataDir = join(root, "pglite");
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${targetName}`;
    targetUrl = url.toString();
    await admin.unsafe(`drop database if exists "${targetName}"`);
    await admin.unsafe(`create database "${targetName}"`);
  });
  afterAll(async () => {
    await admin.unsafe(`drop database if exists "${targetName}" with (force)`);
    await admin.end({ timeout: 5 });
    await rm(root, { recursive: true, force: true });
  });

  it("writes the embedded database as SQL that PostgreSQL 15 restores whole", { timeout: 180_000 }, async () => {
    const env = { DATA_DIR: dataDir, ADMIN_EMAIL: "root@example.com", ADMIN_PASSWORD: "a long admin password" };
    expect(await cli(["seed", "--products", "40", "--customers", "3", "--orders", "6"], env)).toMatchObject({
      code: 0,
    });
    const file = join(root, "seed.sql");
    const dumped = await cli(["dump", file], env);
    expect(dumped).toMatchObject({ code: 0, stderr: "" });
    expect(dumped.stdout).toMatch(/^Wrote \d+ rows of \d+ tables from the embedded database in .+ to .+seed\.sql\.\n/);
    // It holds password hashes: for its owner's eyes only.
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await promisify(execFile)("psql", ["-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", file, targetUrl]);

    const embedded = await createDatabase({ dataDir });
    const restored = await createDatabase({ url: targetUrl, poolSize: 1 });
    try {
      const counts = await rowCounts(embedded);
      expect(counts["public.products"]).toBe(40);
      expect(counts["drizzle.__drizzle_migrations"]).toBeGreaterThan(0);
      expect(await rowCounts(restored)).toEqual(counts);
      expect(await samples(restored)).toEqual(await samples(embedded));
      // The restored database knows its migrations, and goes on where the embedded one was.
      await restored.migrate();
      expect(await rowCounts(restored)).toEqual(counts);
      await restored.db.execute(sql`insert into audit_log (action, resource) values ('restored', 'database')`);
    } finally {
      await embedded.close();
      await restored.close();
    }
  });

  it("refuses to write over a file that exists, and leaves it as it was", async () => {
    const file = join(root, "seed.sql");
    const before = await stat(file);
    const result = await cli(["dump", file], { DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^error: EEXIST/);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  });
});
