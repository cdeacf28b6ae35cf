import { auditLog, mailOutbox, mfaFactors, oauthAccounts, recoveryCodes, refreshSessions, users } from "@seed/db";
import {
  authenticate,
  authenticateApiKey,
  completeMfaSignIn,
  createApiKey,
  login,
  allPermissions,
  refresh,
  type Permission,
} from "@seed/core";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "../src/root";
import { createSystemCaller } from "../src/system-caller";
import { PASSWORD, member, type TestApi } from "./shop-support";
import { createTestApi, recordingLogger, testActor, tokensOf } from "./support";
import { authenticatorCode, enableMfa, mfaRequired } from "../../core/test/mfa-support";

type Caller = ReturnType<typeof createCaller>;

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.database.destroy());

const stored = (id: string) => api.deps.db.query.users.findFirst({ where: eq(users.id, id) });
const signIn = (email: string) => login(api.deps, { email, password: PASSWORD }, testActor);
const uniqueEmail = (label: string) => `${label}-${crypto.randomUUID()}@example.com`;

async function lastMailTo(address: string) {
  const [mail] = await api.deps.db
    .select()
    .from(mailOutbox)
    .where(eq(mailOutbox.to, address))
    .orderBy(desc(mailOutbox.id))
    .limit(1);
  return mail;
}

function tokenInMail(text: string, page: string): string {
  const token = new RegExp(`/${page}\\?token=([\\w-]+)`).exec(text)?.[1];
  if (!token) throw new Error(`no ${page} link in: ${text}`);
  return token;
}

async function liveSessionsOf(userId: string) {
  return api.deps.db
    .select()
    .from(refreshSessions)
    .where(and(eq(refreshSessions.userId, userId), isNull(refreshSessions.revokedAt)));
}

describe("creating a user", () => {
  it("makes an account without a password and mails a single-use link that sets one", async () => {
    const admin = await member(api, ["admin"]);
    const email = uniqueEmail("invited");
    const created = await admin.api.admin.users.create({ email, displayName: "Ada", roles: ["manager"] });
    expect(created).toMatchObject({ email, displayName: "Ada", roles: ["manager"] });
    expect(await stored(created.id)).toMatchObject({ passwordHash: null, emailVerifiedAt: null });

    const mail = await lastMailTo(email);
    const token = tokenInMail(mail!.text, "accept-invitation");
    const anonymous = createCaller(api.contextFor(null));
    await expect(anonymous.auth.password.acceptInvitation({ token, password: PASSWORD })).resolves.toEqual({
      accepted: true,
    });
    tokensOf(await signIn(email));
    expect(await stored(created.id)).toMatchObject({ emailVerifiedAt: expect.any(Date) });

    await expect(
      anonymous.auth.password.acceptInvitation({ token, password: "another long passphrase" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const trail = await api.deps.db.select().from(auditLog).where(eq(auditLog.resourceId, created.id));
    expect(trail.map((row) => row.action)).toEqual(expect.arrayContaining(["user.create", "user.accept_invitation"]));
  });

  it("gives the default role when none is named, and refuses an address that has an account", async () => {
    const admin = await member(api, ["admin"]);
    const email = uniqueEmail("customer");
    expect(await admin.api.admin.users.create({ email })).toMatchObject({ roles: ["customer"] });
    await expect(admin.api.admin.users.create({ email: email.toUpperCase() })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("refuses a reset link as an invitation, and an invitation as a reset link", async () => {
    const admin = await member(api, ["admin"]);
    const email = uniqueEmail("crossed");
    await admin.api.admin.users.create({ email });
    const token = tokenInMail((await lastMailTo(email))!.text, "accept-invitation");
    await expect(
      createCaller(api.contextFor(null)).auth.password.reset({ token, password: PASSWORD }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses a holder of user:create a role that grants more than they hold", async () => {
    const creator = await member(api, ["customer"], ["user:create"]);
    await expect(creator.api.admin.users.create({ email: uniqueEmail("x"), roles: ["admin"] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("is refused to a manager", async () => {
    const manager = await member(api, ["manager"]);
    await expect(manager.api.admin.users.create({ email: uniqueEmail("x") })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("sending an invitation again", () => {
  const mailsTo = (address: string) => api.deps.db.select().from(mailOutbox).where(eq(mailOutbox.to, address));
  const pendingInDirectory = async (caller: Caller, email: string) =>
    (await caller.admin.users.list({ search: email })).items.map((user) => user.invitationPending);

  it("mails a new link that sets the password, while the earlier link stops working", async () => {
    const admin = await member(api, ["admin"]);
    const email = uniqueEmail("reinvited");
    const created = await admin.api.admin.users.create({ email });
    const first = tokenInMail((await lastMailTo(email))!.text, "accept-invitation");
    expect(await pendingInDirectory(admin.api, email)).toEqual([true]);

    await expect(admin.api.admin.users.resendInvitation({ userId: created.id })).resolves.toEqual({
      id: created.id,
      email,
    });
    const mails = await mailsTo(email);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toBe(mails[0]!.text.replace(first, tokenInMail(mails[1]!.text, "accept-invitation")));
    const second = tokenInMail((await lastMailTo(email))!.text, "accept-invitation");
    expect(second).not.toBe(first);

    const anonymous = createCaller(api.contextFor(null));
    await expect(anonymous.auth.password.acceptInvitation({ token: first, password: PASSWORD })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await stored(created.id)).toMatchObject({ passwordHash: null });
    await expect(anonymous.auth.password.acceptInvitation({ token: second, password: PASSWORD })).resolves.toEqual({
      accepted: true,
    });
    tokensOf(await signIn(email));
    expect(await pendingInDirectory(admin.api, email)).toEqual([false]);

    const trail = await api.deps.db.select().from(auditLog).where(eq(auditLog.resourceId, created.id));
    expect(trail.filter((row) => row.action === "user.resend_invitation")).toEqual([
      expect.objectContaining({ actorId: admin.id, resource: "user" }),
    ]);
    await expect(admin.api.admin.users.resendInvitation({ userId: created.id })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await mailsTo(email)).toHaveLength(2);
  });

  it("is refused for an account that was set up, disabled, linked to a provider, deleted or unknown", async () => {
    const admin = await member(api, ["admin"]);
    const withPassword = await member(api, ["customer"]);
    const disabled = await admin.api.admin.users.create({ email: uniqueEmail("disabled") });
    await admin.api.admin.users.disable({ userId: disabled.id });
    const linked = await admin.api.admin.users.create({ email: uniqueEmail("linked") });
    await api.deps.db
      .insert(oauthAccounts)
      .values({ userId: linked.id, provider: "https://id.example.com", subject: linked.id, email: linked.email });
    const deleted = await admin.api.admin.users.create({ email: uniqueEmail("deleted") });
    await admin.api.admin.users.delete({ userId: deleted.id });

    for (const userId of [withPassword.id, disabled.id, linked.id]) {
      await expect(admin.api.admin.users.resendInvitation({ userId })).rejects.toMatchObject({ code: "CONFLICT" });
    }
    for (const userId of [deleted.id, crypto.randomUUID()]) {
      await expect(admin.api.admin.users.resendInvitation({ userId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    expect(await mailsTo(disabled.email)).toHaveLength(1);
    expect(await mailsTo(linked.email)).toHaveLength(1);
  });

  it("is refused to a holder of user:create on an account that holds more, and allowed on one that does not", async () => {
    const admin = await member(api, ["admin"]);
    const creator = await member(api, ["customer"], ["user:create"]);
    const invitedManager = await admin.api.admin.users.create({ email: uniqueEmail("manager"), roles: ["manager"] });
    const invitedCustomer = await admin.api.admin.users.create({ email: uniqueEmail("customer") });
    await expect(creator.api.admin.users.resendInvitation({ userId: invitedManager.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await mailsTo(invitedManager.email)).toHaveLength(1);
    await expect(creator.api.admin.users.resendInvitation({ userId: invitedCustomer.id })).resolves.toMatchObject({
      id: invitedCustomer.id,
    });
    expect(await mailsTo(invitedCustomer.email)).toHaveLength(2);
  });

  it("is refused to a manager", async () => {
    const admin = await member(api, ["admin"]);
    const manager = await member(api, ["manager"]);
    const invited = await admin.api.admin.users.create({ email: uniqueEmail("invited") });
    await expect(manager.api.admin.users.resendInvitation({ userId: invited.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await mailsTo(invited.email)).toHaveLength(1);
  });
});

describe("creating a user on the embedded database", () => {
  // Its one connection is held by the invitation's transaction: the mail's outbox copy is
  // written in that transaction, or the invitation would wait for ever.
  it("commits the account with its mail, and neither when the address is taken; sends it again", async () => {
    const embedded = await createTestApi("pglite");
    try {
      const admin = await member(embedded, ["admin"]);
      const email = uniqueEmail("invited-embedded");
      const created = await admin.api.admin.users.create({ email, roles: ["customer"] });
      const mails = () => embedded.deps.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
      expect(await mails()).toEqual([expect.objectContaining({ subject: "You have been invited" })]);
      await expect(admin.api.admin.users.create({ email })).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await mails()).toHaveLength(1);
      expect(await embedded.deps.db.query.users.findFirst({ where: eq(users.id, created.id) })).toBeDefined();
      await admin.api.admin.users.resendInvitation({ userId: created.id });
      expect(await mails()).toHaveLength(2);
    } finally {
      await embedded.database.destroy();
    }
  });
});

describe("disabling a user", () => {
  it("ends their sessions, refuses every sign-in and their API keys, until enabled again", async () => {
    const admin = await member(api, ["admin"]);
    const user = await member(api, ["customer"]);
    const session = tokensOf(await signIn(user.email));
    const key = await createApiKey(api.deps, user.principal, testActor, {
      name: "script",
      scopes: ["order:create"],
      expiresInDays: 1,
    });
    await authenticateApiKey(api.deps, key.key, testActor as typeof testActor & { ip: string });

    const status = await admin.api.admin.users.disable({ userId: user.id });
    expect(status).toEqual({ id: user.id, disabledAt: expect.any(Date) });
    expect(await liveSessionsOf(user.id)).toEqual([]);
    await expect(authenticate(api.deps, session.accessToken)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(refresh(api.deps, session.refreshToken, testActor)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(signIn(user.email)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      authenticateApiKey(api.deps, key.key, testActor as typeof testActor & { ip: string }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });

    expect(await admin.api.admin.users.enable({ userId: user.id })).toEqual({ id: user.id, disabledAt: null });
    tokensOf(await signIn(user.email));
    await expect(
      authenticateApiKey(api.deps, key.key, testActor as typeof testActor & { ip: string }),
    ).resolves.toMatchObject({ keyId: key.id });
    const trail = await api.deps.db.select().from(auditLog).where(eq(auditLog.resourceId, user.id));
    expect(trail.map((row) => row.action)).toEqual(expect.arrayContaining(["user.disable", "user.enable"]));
  });

  it("refuses a sign-in whose second factor comes after the account was disabled", async () => {
    const admin = await member(api, ["admin"]);
    const user = await member(api, ["customer"]);
    const { secret } = await enableMfa(api.deps, user);
    const { challenge } = mfaRequired(await signIn(user.email));
    await admin.api.admin.users.disable({ userId: user.id });
    await expect(
      completeMfaSignIn(api.deps, { challenge, code: authenticatorCode(secret, 1) }, testActor),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await liveSessionsOf(user.id)).toEqual([]);
  });

  it("shows in the directory and the user's details", async () => {
    const admin = await member(api, ["admin"]);
    const user = await member(api, ["customer"]);
    await admin.api.admin.users.disable({ userId: user.id });
    const page = await admin.api.admin.users.list({ search: user.email });
    expect(page.items).toEqual([expect.objectContaining({ id: user.id, disabledAt: expect.any(Date) })]);
    expect(await admin.api.admin.users.get({ userId: user.id })).toMatchObject({ disabledAt: expect.any(Date) });
  });

  it("refuses an admin their own account", async () => {
    const admin = await member(api, ["admin"]);
    await member(api, ["admin"]);
    await expect(admin.api.admin.users.disable({ userId: admin.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.api.admin.users.delete({ userId: admin.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("is refused to a manager, and for an unknown user", async () => {
    const manager = await member(api, ["manager"]);
    const user = await member(api, ["customer"]);
    await expect(manager.api.admin.users.disable({ userId: user.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const admin = await member(api, ["admin"]);
    await expect(admin.api.admin.users.disable({ userId: crypto.randomUUID() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("the last admin", () => {
  it("cannot be disabled or deleted, counting only admins who are enabled", async () => {
    const isolated = await createTestApi();
    try {
      const first = await member(isolated, ["admin"]);
      const second = await member(isolated, ["admin"]);
      const system = createSystemCaller(isolated.deps, { name: "cli", permissions: allPermissions }, recordingLogger());
      await first.api.admin.users.disable({ userId: second.id });
      // `second` still holds the role, but disabled: `first` is the last admin who can act.
      await expect(system.admin.users.disable({ userId: first.id })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(system.admin.users.delete({ userId: first.id })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(first.api.admin.roles.remove({ userId: first.id, role: "admin" })).rejects.toMatchObject({
        code: "CONFLICT",
      });

      await system.admin.users.enable({ userId: second.id });
      await expect(system.admin.users.disable({ userId: first.id })).resolves.toMatchObject({
        disabledAt: expect.any(Date),
      });
    } finally {
      await isolated.database.destroy();
    }
  });
});

describe("deleting a user", () => {
  it("anonymises the account as its owner's deletion does", async () => {
    const admin = await member(api, ["admin"]);
    const user = await member(api, ["customer"]);
    tokensOf(await signIn(user.email));
    await expect(admin.api.admin.users.delete({ userId: user.id })).resolves.toEqual({ deleted: true });
    expect(await stored(user.id)).toMatchObject({
      email: `deleted-${user.id}@deleted.invalid`,
      passwordHash: null,
      deletedAt: expect.any(Date),
    });
    expect(await liveSessionsOf(user.id)).toEqual([]);
    await expect(signIn(user.email)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(admin.api.admin.users.delete({ userId: user.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("resetting a user's two-step sign-in", () => {
  it("removes the authenticator and recovery codes, audits it and tells the user", async () => {
    const admin = await member(api, ["admin"]);
    const user = await member(api, ["customer"]);
    await enableMfa(api.deps, user);
    expect(await admin.api.admin.users.get({ userId: user.id })).toMatchObject({ mfaEnabled: true });

    await expect(admin.api.admin.users.resetMfa({ userId: user.id })).resolves.toEqual({ reset: true });
    expect(await api.deps.db.select().from(mfaFactors).where(eq(mfaFactors.userId, user.id))).toEqual([]);
    expect(await api.deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toEqual([]);
    tokensOf(await signIn(user.email));
    expect((await lastMailTo(user.email))?.subject).toBe("Two-step sign-in was turned off");
    const [row] = await api.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "mfa.reset"), eq(auditLog.resourceId, user.id)));
    expect(row).toMatchObject({ actorId: admin.id });

    await expect(admin.api.admin.users.resetMfa({ userId: user.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("is refused to a manager", async () => {
    const manager = await member(api, ["manager"]);
    const user = await member(api, ["customer"]);
    await expect(manager.api.admin.users.resetMfa({ userId: user.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("a system principal", () => {
  const cli = (permissions: Permission[]) =>
    createSystemCaller(api.deps, { name: "cli", permissions }, recordingLogger());

  it("acts within its permissions, audited under its name", async () => {
    const user = await member(api, ["customer"]);
    await cli(allPermissions).admin.users.disable({ userId: user.id });
    const [row] = await api.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "user.disable"), eq(auditLog.resourceId, user.id)));
    expect(row).toMatchObject({ actorId: null, actorPrincipal: "cli" });
  });

  it("is refused what it was not given, and every procedure on an account of its own", async () => {
    const user = await member(api, ["customer"]);
    await expect(cli(["user:disable"]).admin.users.delete({ userId: user.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(cli(["user:read:any"]).users.me()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("validates its input as any caller's", async () => {
    await expect(cli(["user:disable"]).admin.users.disable({ userId: "not-a-uuid" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("must have a name fit for the audit trail", () => {
    expect(() => createSystemCaller(api.deps, { name: "CLI; drop", permissions: [] }, recordingLogger())).toThrow(
      /lowercase/,
    );
  });
});

describe("acting on an account that holds more than the caller", () => {
  const actions = {
    "user:delete": (caller: Caller, userId: string) => caller.admin.users.delete({ userId }),
    "user:disable": (caller: Caller, userId: string) => caller.admin.users.disable({ userId }),
    "user:mfa:reset": (caller: Caller, userId: string) => caller.admin.users.resetMfa({ userId }),
    "session:revoke:any": (caller: Caller, userId: string) => caller.admin.users.revokeSessions({ userId }),
  } satisfies Partial<Record<Permission, (caller: Caller, userId: string) => Promise<unknown>>>;

  for (const [permission, act] of Object.entries(actions) as [Permission, (typeof actions)["user:delete"]][]) {
    it(`is refused to a holder of ${permission} alone on an admin, and allowed on a customer`, async () => {
      const helpdesk = await member(api, ["customer"], [permission]);
      // Another admin, so that the last-admin rule is not what refuses.
      await member(api, ["admin"]);
      const admin = await member(api, ["admin"]);
      const customer = await member(api, ["customer"]);
      tokensOf(await signIn(admin.email));
      await enableMfa(api.deps, admin);
      await enableMfa(api.deps, customer);
      await expect(act(helpdesk.api, admin.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect(await stored(admin.id)).toMatchObject({ disabledAt: null, deletedAt: null });
      expect(await api.deps.db.select().from(mfaFactors).where(eq(mfaFactors.userId, admin.id))).not.toEqual([]);
      expect(await liveSessionsOf(admin.id)).toHaveLength(1);
      await expect(act(helpdesk.api, customer.id)).resolves.toBeDefined();
    });
  }

  it("refuses ending one session of an admin to a holder of session:revoke:any alone", async () => {
    const helpdesk = await member(api, ["customer"], ["session:revoke:any"]);
    const admin = await member(api, ["admin"]);
    const customer = await member(api, ["customer"]);
    tokensOf(await signIn(admin.email));
    tokensOf(await signIn(customer.email));
    const [adminSession] = await liveSessionsOf(admin.id);
    const [customerSession] = await liveSessionsOf(customer.id);
    await expect(helpdesk.api.auth.sessions.revoke({ sessionId: adminSession!.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await liveSessionsOf(admin.id)).toHaveLength(1);
    await expect(helpdesk.api.auth.sessions.revoke({ sessionId: customerSession!.id })).resolves.toEqual({
      revoked: true,
    });
    expect(await liveSessionsOf(customer.id)).toEqual([]);
  });
});

describe("signing a user out everywhere", () => {
  it("lets anyone sign themselves out, and an admin sign out their own account through the admin procedure", async () => {
    const customer = await member(api, ["customer"]);
    tokensOf(await signIn(customer.email));
    await expect(customer.api.auth.sessions.revokeAll()).resolves.toEqual({ revoked: 1 });
    const admin = await member(api, ["admin"]);
    tokensOf(await signIn(admin.email));
    await expect(admin.api.admin.users.revokeSessions({ userId: admin.id })).resolves.toEqual({ revoked: 1 });
    expect(await liveSessionsOf(admin.id)).toEqual([]);
  });
});

describe("two admins disabling each other at once", () => {
  it("take turns: neither call fails on a deadlock, and an enabled admin remains", async () => {
    const isolated = await createTestApi();
    try {
      for (let round = 0; round < 5; round++) {
        // The admins of earlier rounds are set aside, so that these two are the last.
        await isolated.deps.db.update(users).set({ disabledAt: new Date() }).where(isNull(users.disabledAt));
        const first = await member(isolated, ["admin"]);
        const second = await member(isolated, ["admin"]);
        const outcomes = await Promise.allSettled([
          first.api.admin.users.disable({ userId: second.id }),
          second.api.admin.users.disable({ userId: first.id }),
        ]);
        const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
        for (const failure of failures) expect(failure).not.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
        const enabledAdmins = await isolated.deps.db
          .select({ id: users.id })
          .from(users)
          .where(and(inArray(users.id, [first.id, second.id]), isNull(users.disabledAt)));
        expect(enabledAdmins).toHaveLength(1);
      }
    } finally {
      await isolated.database.destroy();
    }
  });
});

describe("managing users with an API key", () => {
  it("is refused: inviting, re-inviting, disabling, enabling, deleting and resetting two-step sign-in need a session", async () => {
    const admin = await member(api, ["admin"]);
    const user = await member(api, ["customer"]);
    const withKey = createCaller(
      api.contextFor({ ...admin.principal, sessionId: null, apiKey: { id: crypto.randomUUID(), quota: null } }),
    );
    const refused = { code: "FORBIDDEN", message: expect.stringMatching(/API keys/) };
    await expect(withKey.admin.users.create({ email: uniqueEmail("x") })).rejects.toMatchObject(refused);
    await expect(withKey.admin.users.resendInvitation({ userId: user.id })).rejects.toMatchObject(refused);
    await expect(withKey.admin.users.disable({ userId: user.id })).rejects.toMatchObject(refused);
    await expect(withKey.admin.users.enable({ userId: user.id })).rejects.toMatchObject(refused);
    await expect(withKey.admin.users.delete({ userId: user.id })).rejects.toMatchObject(refused);
    await expect(withKey.admin.users.resetMfa({ userId: user.id })).rejects.toMatchObject(refused);
    expect(await stored(user.id)).toMatchObject({ disabledAt: null, deletedAt: null });
  });
});
