import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, createDatabase, isUniqueViolation, refreshSessions, rowsOf, users, type Database } from "../src";
import { migrationsFolder } from "../src/migrations-folder";
import { availableDrivers, createTestDatabase, type TestDatabase } from "../src/testing";

describe.each(availableDrivers())("the database on %s", (driver) => {
  let testDatabase: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDatabase = await createTestDatabase(driver);
    db = testDatabase.connection.db;
  });
  afterAll(() => testDatabase?.destroy());

  it("reports which driver it runs on and answers a ping", async () => {
    expect(testDatabase.connection.driver).toBe(driver);
    await expect(testDatabase.connection.ping()).resolves.toBeUndefined();
  });

  it("can be migrated again without change", async () => {
    await testDatabase.connection.migrate();
    const tables = await db
      .select({ name: sql<string>`table_name` })
      .from(sql`information_schema.tables`)
      .where(sql`table_schema = 'public'`)
      .orderBy(sql`table_name`);
    expect(tables.map((table) => table.name)).toEqual([
      "api_key_addresses",
      "api_keys",
      "audit_log",
      "audit_seal_horizon",
      "audit_seals",
      "email_tokens",
      "mail_outbox",
      "mfa_challenges",
      "mfa_factors",
      "oauth_accounts",
      "oidc_login_attempts",
      "order_items",
      "orders",
      "passkey_challenges",
      "passkeys",
      "permissions",
      "products",
      "recovery_codes",
      "refresh_sessions",
      "role_permissions",
      "roles",
      "rotated_refresh_tokens",
      "security_events",
      "signing_keys",
      "user_permissions",
      "user_roles",
      "users",
      "webhook_deliveries",
      "webhook_endpoints",
      "webhook_events",
    ]);
  });

  it("stores a user with generated id, access version and timestamps", async () => {
    const [user] = await db.insert(users).values({ email: "ada@example.com", passwordHash: "x" }).returning();
    expect(user).toMatchObject({ email: "ada@example.com", accessVersion: 0 });
    expect(user!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user!.createdAt).toBeInstanceOf(Date);
  });

  it("refuses a second account for the same email in another case", async () => {
    const attempt = db.insert(users).values({ email: "ADA@Example.com", passwordHash: "y" });
    const error = await attempt.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(isUniqueViolation(error)).toBe(true);
    const [{ count }] = (await db
      .select({ count: sql<number>`count(*)::int` })
      .from(users)
      .where(sql`lower(${users.email}) = 'ada@example.com'`)) as [{ count: number }];
    expect(count).toBe(1);
  });

  it("does not mistake other failures for a unique violation", async () => {
    const error = await db
      .execute(sql`select 1/0`)
      .then(() => null)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(isUniqueViolation(error)).toBe(false);
  });

  it("deletes a user's sessions with the user", async () => {
    const [user] = await db.insert(users).values({ email: "gone@example.com", passwordHash: "x" }).returning();
    await db.insert(refreshSessions).values({
      userId: user!.id,
      tokenHash: "hash-of-gone",
      expiresAt: new Date(Date.now() + 60_000),
    });
    await db.delete(users).where(eq(users.id, user!.id));
    expect(await db.select().from(refreshSessions).where(eq(refreshSessions.userId, user!.id))).toEqual([]);
  });

  it("keeps the audit log append-only: no update, delete or truncate", async () => {
    const [entry] = await db
      .insert(auditLog)
      .values({ action: "user.create", resource: "user", resourceId: "r1", after: { email: "x" } })
      .returning();
    await expect(
      db.update(auditLog).set({ action: "user.hidden" }).where(eq(auditLog.id, entry!.id)),
    ).rejects.toThrow();
    await expect(db.delete(auditLog).where(eq(auditLog.id, entry!.id))).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_log`)).rejects.toThrow();
    const [unchanged] = await db.select().from(auditLog).where(eq(auditLog.id, entry!.id));
    expect(unchanged).toEqual(entry);
  });

  it("on migrating, leaves without a password only the accounts the audit trail shows to have none", async () => {
    const account = async (label: string, deletedAt: Date | null = null) => {
      const [user] = await db
        .insert(users)
        .values({ email: `${label}@example.com`, passwordHash: "an unknown secret's hash", deletedAt })
        .returning({ id: users.id });
      return user!.id;
    };
    const linked = (userId: string, how: { account: "created" | "existing"; passwordDisabled: boolean }) =>
      db
        .insert(auditLog)
        .values({ action: "oauth_account.link", resource: "oauth_account", after: { userId, ...how } });
    const created = await account("made-by-provider");
    await linked(created, { account: "created", passwordDisabled: false });
    const claimed = await account("claimed-by-provider");
    await linked(claimed, { account: "existing", passwordDisabled: true });
    const resetSince = await account("reset-since");
    await linked(resetSince, { account: "created", passwordDisabled: false });
    await db.insert(auditLog).values({ action: "user.reset_password", resource: "user", resourceId: resetSince });
    const confirmed = await account("confirmed-before-link");
    await linked(confirmed, { account: "existing", passwordDisabled: false });
    const deleted = await account("deleted", new Date());
    const plain = await account("plain");

    const migration = await readFile(join(migrationsFolder, "0007_accounts_without_password.sql"), "utf8");
    await db.execute(sql.raw(migration.split("--> statement-breakpoint")[1]!));

    const rows = await db.select({ id: users.id, passwordHash: users.passwordHash }).from(users);
    const hashOf = (id: string) => rows.find((row) => row.id === id)!.passwordHash;
    expect([created, claimed, deleted].map(hashOf)).toEqual([null, null, null]);
    expect([resetSince, confirmed, plain].map(hashOf)).toEqual(Array(3).fill("an unknown secret's hash"));
  });

  it("rolls back every statement of a failed transaction", async () => {
    const failing = db.transaction(async (tx) => {
      await tx.insert(users).values({ email: "half@example.com", passwordHash: "x" });
      await tx.insert(users).values({ email: "HALF@example.com", passwordHash: "x" });
    });
    await expect(failing).rejects.toThrow();
    expect(await db.select().from(users).where(eq(users.email, "half@example.com"))).toEqual([]);
  });
});

describe("statements on Postgres", () => {
  let testDatabase: TestDatabase;
  beforeAll(async () => {
    testDatabase = await createTestDatabase("postgres");
  });
  afterAll(() => testDatabase?.destroy());

  // Unprepared, a statement with parameters costs postgres.js two round trips (Parse and
  // Describe, then Bind and Execute); prepared, one after its first use on a connection.
  it("parses a statement once per connection and runs it again prepared", async () => {
    const plans = await testDatabase.connection.db.transaction(async (tx) => {
      for (const email of ["first@example.com", "second@example.com"]) {
        await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
      }
      return rowsOf<{ executions: number }>(
        tx,
        sql`select (generic_plans + custom_plans)::int as executions from pg_prepared_statements
            where statement like 'select "id" from "users" where "users"."email" = $1%'`,
      );
    });
    expect(plans).toEqual([{ executions: 2 }]);
  });
});

describe("the embedded database on disk", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "seed-pglite-dir-"));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("keeps its data across a restart", async () => {
    const first = await createDatabase({ dataDir: directory });
    await first.migrate();
    await first.db.insert(users).values({ email: "kept@example.com", passwordHash: "x" });
    await first.close();

    const second = await createDatabase({ dataDir: directory });
    await second.migrate();
    const rows = await second.db.select({ email: users.email }).from(users);
    await second.close();
    expect(rows).toEqual([{ email: "kept@example.com" }]);
  });
});
