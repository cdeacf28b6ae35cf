/*
 * API3:2023 Broken object property-level authorization. The attacker adds properties the input
 * does not offer (roles, ownership, verification) to every input that creates or changes
 * something, and reads every answer that carries user data for properties that must never leave
 * the server. A new update procedure, or a new procedure that returns user data, is one more row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawCall, uniqueEmail } from "../support/test-server";
import { PASSWORD, target, type Account, type Target } from "./attacker";

/** Properties an attacker hopes a careless handler copies into the row it writes. */
const privileged = (victimId: string) => ({
  id: victimId,
  userId: victimId,
  ownerId: victimId,
  role: "admin",
  roles: ["admin"],
  permissions: ["user:read:any", "role:assign"],
  isAdmin: true,
  accessVersion: 0,
  emailVerifiedAt: new Date(0).toISOString(),
  grantedBy: victimId,
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$forged",
});

/** Keys and values that must never be in an answer. */
const SECRET_KEY = /hash|sealed|^secret$|^recoveryCodes$/i;
const SECRET_VALUE = /^\$argon2|^[0-9a-f]{64}$/;

function leakedProperties(value: unknown, path = "", allowed: string[] = []): string[] {
  if (typeof value === "string") return SECRET_VALUE.test(value) ? [`${path} = ${value}`] : [];
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const at = path ? `${path}.${key}` : key;
    if (SECRET_KEY.test(key) && !allowed.includes(at)) return [at];
    return leakedProperties(inner, at, allowed);
  });
}

describe("API3 property-level authorization", () => {
  let app: Target;
  let attacker: Account;
  let victim: Account;

  beforeAll(async () => {
    app = await target({ AUTH_RATE_LIMIT_MAX: "1000" });
    [attacker, victim] = await Promise.all([app.customer("attacker"), app.customer("victim")]);
  });
  afterAll(() => app?.deployment.destroy());

  const post = (path: string, input: object, token?: string) =>
    rawCall(
      app.server.trpcUrl,
      path,
      JSON.stringify({ json: input }),
      token ? { authorization: `Bearer ${token}` } : {},
    );

  describe("mass assignment on every input that writes", () => {
    it("auth.register: the new account is a plain, unverified customer of its own", async () => {
      const email = uniqueEmail("assigned");
      expect((await post("auth.register", { email, password: PASSWORD, ...privileged(victim.userId) })).status).toBe(
        200,
      );
      const account = await app.signIn(email);
      const me = await account.client.api.auth.me.query();
      expect(me.id).not.toBe(victim.userId);
      expect(me.roles).toEqual(["customer"]);
      expect(me.permissions).toEqual((await attacker.client.api.auth.me.query()).permissions);
      const details = await app.admin.client.api.admin.users.get.query({ userId: me.id });
      expect(details.grants).toEqual([]);
    });

    // The shop's inputs are strict: a property they do not name is refused, not ignored.
    it.each([
      [
        "orders.place",
        (productId: string) => ({ items: [{ productId, quantity: 1 }], idempotencyKey: "extra-props-1" }),
      ],
      ["users.updateProfile", () => ({ displayName: "Mallory" })],
    ])("%s refuses extra properties outright, and writes nothing", async (procedure, input) => {
      const productId = await app.product();
      const { status, body } = await post(
        procedure,
        { ...input(productId), ...privileged(victim.userId), status: "paid", total: { amount: 0, currency: "EUR" } },
        attacker.accessToken,
      );
      expect({ status, code: body.error?.json.data.code }).toEqual({ status: 400, code: "BAD_REQUEST" });
      const mine = await attacker.client.api.orders.list.query({});
      expect(mine.items).toEqual([]);
      expect((await attacker.client.api.users.me.query()).displayName).toBeNull();
    });

    it("auth.login: signing in with extra properties changes nothing about the account", async () => {
      const { status } = await post("auth.login", {
        email: attacker.email,
        password: PASSWORD,
        ...privileged(victim.userId),
      });
      expect(status).toBe(200);
      expect((await attacker.client.api.auth.me.query()).roles).toEqual(["customer"]);
    });

    it("auth.sessions.revoke: a smuggled userId does not aim the call at the victim", async () => {
      const spare = await app.signIn(attacker.email);
      const { status } = await post(
        "auth.sessions.revoke",
        { sessionId: spare.sessionId, ...privileged(victim.userId) },
        attacker.accessToken,
      );
      expect(status).toBe(200);
      expect((await victim.client.api.auth.sessions.list.query()).map((s) => s.id)).toContain(victim.sessionId);
    });

    it("auth.password.requestReset: no property sends the victim's link elsewhere", async () => {
      const { status } = await post("auth.password.requestReset", {
        email: attacker.email,
        ...privileged(victim.userId),
      });
      expect(status).toBe(200);
      expect(await victim.client.api.auth.me.query()).toMatchObject({ id: victim.userId, email: victim.email });
    });

    it("admin.permissions.grant: the grant is recorded as the admin's, whatever grantedBy says", async () => {
      const { status } = await post(
        "admin.permissions.grant",
        // The input's own fields come last: only the extra properties are the attacker's.
        {
          ...privileged(victim.userId),
          userId: attacker.userId,
          permission: "audit:read",
          reason: "a test of the record",
        },
        app.admin.accessToken,
      );
      expect(status).toBe(200);
      const details = await app.admin.client.api.admin.users.get.query({ userId: attacker.userId });
      expect(details.grants).toEqual([
        expect.objectContaining({ permission: "audit:read", grantedBy: app.admin.userId }),
      ]);
      await app.admin.client.api.admin.permissions.revoke.mutate({ userId: attacker.userId, permission: "audit:read" });
    });

    it("admin.roles.assign: only the named role is given, to the named user", async () => {
      const { status } = await post(
        "admin.roles.assign",
        { ...privileged(attacker.userId), userId: victim.userId, role: "manager" },
        app.admin.accessToken,
      );
      expect(status).toBe(200);
      expect((await victim.client.api.auth.me.query()).roles.sort()).toEqual(["customer", "manager"]);
      await app.admin.client.api.admin.roles.remove.mutate({ userId: victim.userId, role: "manager" });
    });
  });

  describe("no answer carries a password hash, an MFA secret or a token hash", () => {
    let enrolled: { secret: string };

    beforeAll(async () => {
      enrolled = await attacker.client.api.auth.mfa.enroll.mutate();
    });

    /** Every procedure that returns user data, called by whoever may call it. */
    const answers: [string, () => Promise<unknown>, string[]?][] = [
      [
        "auth.register",
        () => app.server.client().api.auth.register.mutate({ email: uniqueEmail("r"), password: PASSWORD }),
      ],
      ["auth.login", () => app.server.client().api.auth.login.mutate({ email: victim.email, password: PASSWORD })],
      [
        "auth.refresh",
        async () =>
          app.server.client().api.auth.refresh.mutate({ refreshToken: (await app.signIn(victim.email)).refreshToken }),
      ],
      ["auth.me", () => attacker.client.api.auth.me.query()],
      ["users.me", () => attacker.client.api.users.me.query()],
      ["orders.list", () => app.admin.client.api.orders.list.query({ scope: "all" })],
      ["auth.sessions.list", () => attacker.client.api.auth.sessions.list.query()],
      ["auth.mfa.status", () => attacker.client.api.auth.mfa.status.query()],
      // Shown once to its owner to scan; the stored, sealed form never leaves the server.
      ["auth.mfa.enroll", () => victim.client.api.auth.mfa.enroll.mutate(), ["secret"]],
      ["admin.users.list", () => app.admin.client.api.admin.users.list.query({ search: "example.com" })],
      ["admin.users.get", () => app.admin.client.api.admin.users.get.query({ userId: attacker.userId })],
      ["admin.audit.list", () => app.admin.client.api.admin.audit.list.query({ limit: 100 })],
      ["admin.securityEvents.list", () => app.admin.client.api.admin.securityEvents.list.query({ limit: 100 })],
      ["admin.roles.list", () => app.admin.client.api.admin.roles.list.query()],
    ];

    it.each(answers)("%s", async (_procedure, call, allowed = []) => {
      const answer = JSON.parse(JSON.stringify(await call())) as unknown;
      expect(leakedProperties(answer, "", allowed)).toEqual([]);
      const text = JSON.stringify(answer);
      expect(text).not.toContain(PASSWORD);
      if (!allowed.includes("secret")) expect(text).not.toContain(enrolled.secret);
    });

    it("another customer's sessions, addresses and grants are not in the attacker's answers", async () => {
      const mine = JSON.stringify([
        await attacker.client.api.auth.me.query(),
        await attacker.client.api.auth.sessions.list.query(),
      ]);
      expect(mine).not.toContain(victim.userId);
      expect(mine).not.toContain(victim.sessionId);
      expect(mine).not.toContain(victim.email);
    });
  });
});
