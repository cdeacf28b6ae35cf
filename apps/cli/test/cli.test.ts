import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  auditLog,
  emailTokens,
  mailOutbox,
  mfaFactors,
  refreshSessions,
  signingKeys,
  userRoles,
  users,
} from "@seed/db";
import { createTestDatabase, unusedPort, type TestDatabase } from "@seed/db/testing";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runScript } from "../../server/test/support/run-script";

const secret = "k3J9x!Qz7#vL2mP8sR5tW1yB4nC6dF0gq";
const cli = (args: string[], env: Record<string, string>, input?: string) =>
  runCli(args, { NODE_ENV: "test", ...env }, input);
const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;

describe("pnpm cli without a command", () => {
  it("lists the commands and exits non-zero", async () => {
    // As `pnpm cli` runs it, tsx on the sources; every other test runs the build.
    const result = await runScript("apps/cli/src/main.ts", [], { NODE_ENV: "test" });
    expect(result).toMatchObject({ code: 2, stderr: "" });
    for (const name of ["migrate", "create-admin", "revoke-sessions", "rotate-keys", "clean-up"]) {
      expect(result.stdout).toContain(`  ${name} `);
    }
  });

  it("names an unknown command in one line before the list", async () => {
    const result = await cli(["drop-everything"], {});
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe('error: unknown command "drop-everything"');
  });

  it("fails in one line on a malformed configuration, without touching anything", async () => {
    const result = await cli(["migrate"], { DATABASE_URL: "mysql://nope" });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^error: Invalid configuration: DATABASE_URL: [^\n]+$/);
  });
});

describe("pnpm cli on the embedded database", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "seed-cli-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // Two processes that each open the embedded database from its files: slow on a busy machine.
  it("migrates, then cleans up with a progress line per kind of record", { timeout: 120_000 }, async () => {
    const migrated = await cli(["migrate"], { DATA_DIR: dataDir });
    expect(migrated).toMatchObject({ code: 0, stdout: `Migrated the embedded database in ${dataDir}.\n`, stderr: "" });
    const cleaned = await cli(["clean-up"], { DATA_DIR: dataDir });
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout.split("\n")).toEqual([
      "Cleaning up 1/7 sessions: 0 deleted",
      "Cleaning up 2/7 emailTokens: 0 deleted",
      "Cleaning up 3/7 oidcLoginAttempts: 0 deleted",
      "Cleaning up 4/7 mfaChallenges: 0 deleted",
      "Cleaning up 5/7 passkeyChallenges: 0 deleted",
      "Cleaning up 6/7 temporaryGrants: 0 deleted",
      "Cleaning up 7/7 apiKeys: 0 deleted",
      "Deleted 0 expired records.",
      "",
    ]);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("pnpm cli on Postgres", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    env = { DATABASE_URL: database.url!, JWT_SECRET: secret };
  });
  afterAll(() => database?.destroy());

  const db = () => database.connection.db;
  const rolesOf = async (email: string) => {
    const [user] = await db().select().from(users).where(eq(users.email, email));
    return (await db().select().from(userRoles).where(eq(userRoles.userId, user!.id))).map((row) => row.roleName);
  };

  it("invites a new admin, audited as the CLI, who chooses a password with the mailed link", async () => {
    const email = uniqueEmail("admin");
    const result = await cli(["create-admin", email], env);
    expect(result).toMatchObject({
      code: 0,
      stdout: `Invited ${email} as an admin: a link to choose a password was mailed to them.\n`,
    });
    expect(await rolesOf(email)).toEqual(["admin"]);
    const [user] = await db().select().from(users).where(eq(users.email, email));
    expect(user).toMatchObject({ passwordHash: null });
    const [mail] = await db().select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(mail?.text).toMatch(/\/accept-invitation\?token=/);
    const [created] = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "user.create"), eq(auditLog.resourceId, user!.id)));
    expect(created).toMatchObject({ actorId: null, actorPrincipal: "cli" });

    const again = await cli(["create-admin", email], env);
    expect(again).toMatchObject({ code: 0, stdout: `${email} was already an admin; nothing changed.\n` });
  });

  it("promotes an existing account without asking for a password, and audits it", async () => {
    const email = uniqueEmail("promoted");
    const [user] = await db().insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    await db().insert(userRoles).values({ userId: user!.id, roleName: "customer" });
    const result = await cli(["create-admin", email.toUpperCase()], env);
    // Without REDIS_URL the servers cannot be told, and the output says when they notice.
    expect(result).toMatchObject({
      code: 0,
      stdout: `${email} is now an admin.\nRunning servers apply it within 30 s.\n`,
    });
    expect((await rolesOf(email)).sort()).toEqual(["admin", "customer"]);
    const audit = await db().select().from(auditLog).where(eq(auditLog.resourceId, user!.id));
    expect(audit.map((row) => row.action)).toContain("role.assign");
  });

  it("promotes even when Redis is away, and says when the running servers will apply it", async () => {
    const email = uniqueEmail("promoted-offline");
    await db().insert(users).values({ email, passwordHash: "x" });
    const redisAway = { ...env, REDIS_URL: `redis://127.0.0.1:${await unusedPort()}` };
    const result = await cli(["create-admin", email], redisAway);
    expect(result).toMatchObject({
      code: 0,
      stdout: `${email} is now an admin.\nRunning servers apply it within 30 s.\n`,
    });
    expect(await rolesOf(email)).toEqual(["admin"]);
  });

  it("refuses something that is not an email address", async () => {
    const result = await cli(["create-admin", "not-an-address"], env);
    expect(result).toMatchObject({ code: 1, stderr: "error: not an email address: not-an-address\n" });
  });

  it("revokes every live session of a user", async () => {
    const email = uniqueEmail("signed-in");
    const [user] = await db().insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    const session = () => ({
      userId: user!.id,
      tokenHash: randomBytes(32).toString("hex"),
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    await db().insert(refreshSessions).values([session(), session()]);

    const result = await cli(["revoke-sessions", email], env);
    // Without REDIS_URL the servers cannot be told, and the output says when they notice.
    expect(result).toMatchObject({
      code: 0,
      stdout: `Revoked 2 sessions of ${email}.\nRunning servers refuse its tokens within 30 s.\n`,
    });
    const live = await db()
      .select()
      .from(refreshSessions)
      .where(and(eq(refreshSessions.userId, user!.id), isNull(refreshSessions.revokedAt)));
    expect(live).toEqual([]);
  });

  it("disables and enables an account through the admin router, ending its sessions", async () => {
    const email = uniqueEmail("disabled");
    const [user] = await db().insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    await db()
      .insert(refreshSessions)
      .values({
        userId: user!.id,
        tokenHash: randomBytes(32).toString("hex"),
        expiresAt: new Date(Date.now() + 3_600_000),
      });

    const disabled = await cli(["disable", email], env);
    expect(disabled).toMatchObject({
      code: 0,
      stdout: `Disabled ${email}.\nRunning servers refuse its tokens and keys within 30 s.\n`,
    });
    const [stored] = await db().select().from(users).where(eq(users.id, user!.id));
    expect(stored?.disabledAt).toBeInstanceOf(Date);
    const live = await db()
      .select()
      .from(refreshSessions)
      .where(and(eq(refreshSessions.userId, user!.id), isNull(refreshSessions.revokedAt)));
    expect(live).toEqual([]);
    const [audited] = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "user.disable"), eq(auditLog.resourceId, user!.id)));
    expect(audited).toMatchObject({ actorPrincipal: "cli" });

    expect(await cli(["enable", email], env)).toMatchObject({ code: 0, stdout: `Enabled ${email}.\n` });
    const [enabled] = await db().select().from(users).where(eq(users.id, user!.id));
    expect(enabled?.disabledAt).toBeNull();
  });

  it("deletes an account as its owner would, and says when there is no authenticator to reset", async () => {
    const email = uniqueEmail("deleted");
    const [user] = await db().insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    await db().insert(mfaFactors).values({ userId: user!.id, secret: "sealed", confirmedAt: new Date() });
    expect(await cli(["reset-mfa", email], env)).toMatchObject({ code: 0 });
    expect(await db().select().from(mfaFactors).where(eq(mfaFactors.userId, user!.id))).toEqual([]);
    expect(await cli(["reset-mfa", email], env)).toMatchObject({
      code: 1,
      stderr: "error: This user has no authenticator to reset\n",
    });

    expect(await cli(["delete", email], env)).toMatchObject({ code: 0 });
    const [deleted] = await db().select().from(users).where(eq(users.id, user!.id));
    expect(deleted).toMatchObject({ email: `deleted-${user!.id}@deleted.invalid`, deletedAt: expect.any(Date) });
  });

  it("invites a user with the roles named, and refuses a role that does not exist", async () => {
    const email = uniqueEmail("invited");
    const invited = await cli(["invite", email, "manager"], env);
    expect(invited).toMatchObject({
      code: 0,
      stdout: `Invited ${email} (manager): a link to choose a password was mailed.\n`,
    });
    expect(await rolesOf(email)).toEqual(["manager"]);

    const refused = await cli(["invite", uniqueEmail("x"), "emperor"], env);
    expect(refused).toMatchObject({ code: 1, stderr: "error: no such role: emperor (admin, manager, customer)\n" });
  });

  it("mails an invited account a new link that voids the first, and refuses an account already set up", async () => {
    const email = uniqueEmail("reinvited");
    expect(await cli(["invite", email], env)).toMatchObject({ code: 0 });
    const links = async () =>
      (await db().select().from(emailTokens).where(eq(emailTokens.email, email)).orderBy(emailTokens.createdAt)).map(
        (token) => token.usedAt,
      );
    expect(await cli(["reinvite", email], env)).toMatchObject({
      code: 0,
      stdout: `Mailed ${email} a new link to choose a password; the earlier one no longer works.\n`,
    });
    // Two links were made; the first is spent, so only the one just mailed opens the account.
    expect(await links()).toEqual([expect.any(Date), null]);
    const mailed = await db().select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(mailed.map((mail) => mail.subject)).toEqual(["You have been invited", "You have been invited"]);

    const taken = uniqueEmail("set-up");
    await db().insert(users).values({ email: taken, passwordHash: "x" });
    expect(await cli(["reinvite", taken], env)).toMatchObject({
      code: 1,
      stderr: "error: This account has already been set up\n",
    });
  });

  it("refuses bad input as the router does, in one line", async () => {
    const result = await cli(["invite", "not-an-address"], env);
    expect(result).toMatchObject({ code: 1, stderr: "error: expected an email address, then any roles to give\n" });
  });

  it("says so in one line when no account has the address", async () => {
    const email = uniqueEmail("nobody");
    const result = await cli(["revoke-sessions", email], env);
    expect(result).toMatchObject({ code: 1, stderr: `error: no account has the address ${email}\n` });
  });

  it("rotates the signing key, and refuses without a JWT_SECRET to seal it with", async () => {
    const before = await db().select().from(signingKeys);
    const rotated = await cli(["rotate-keys"], env);
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringMatching(/^New signing key [0-9a-f-]{36}\./) });
    expect(await db().select().from(signingKeys)).toHaveLength(before.length + 1);

    const refused = await cli(["rotate-keys"], { DATABASE_URL: database.url! });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: JWT_SECRET is not set: the new key could not be opened later\n");
  });

  it("deletes expired tokens and keeps live ones", async () => {
    const email = uniqueEmail("expired");
    const [user] = await db().insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    const token = (offsetMs: number) => ({
      userId: user!.id,
      email,
      purpose: "verify_email" as const,
      tokenHash: randomBytes(16).toString("hex"),
      expiresAt: new Date(Date.now() + offsetMs),
    });
    await db()
      .insert(emailTokens)
      .values([token(-60_000), token(-60_000), token(3_600_000)]);

    const result = await cli(["clean-up"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Cleaning up 2/7 emailTokens: 2 deleted");
    expect(await db().select().from(emailTokens).where(eq(emailTokens.userId, user!.id))).toHaveLength(1);
  });
});
