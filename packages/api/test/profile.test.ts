import { auditLog, mailOutbox, orders, refreshSessions, users } from "@seed/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, register, systemActor } from "@seed/core";
import { createCaller } from "../src/root";
import { PASSWORD, member, productInput, type TestApi } from "./shop-support";
import { createTestApi, testActor, tokensOf } from "./support";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.database.destroy());

const stored = (id: string) => api.deps.db.query.users.findFirst({ where: eq(users.id, id) });

async function lastMailTo(address: string) {
  const [mail] = await api.deps.db
    .select()
    .from(mailOutbox)
    .where(eq(mailOutbox.to, address))
    .orderBy(desc(mailOutbox.id))
    .limit(1);
  return mail;
}

describe("the signed-in user's profile", () => {
  it("shows the user their own account", async () => {
    const user = await member(api, ["customer"]);
    expect(await user.api.users.me()).toEqual({
      id: user.id,
      email: user.email,
      displayName: null,
      emailVerified: false,
      hasPassword: true,
      roles: ["customer"],
      createdAt: user.createdAt,
    });
  });

  it("updates the display name, with an audit row", async () => {
    const user = await member(api, ["customer"]);
    expect(await user.api.users.updateProfile({ displayName: "  Ada  " })).toMatchObject({ displayName: "Ada" });
    const [row] = await api.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, user.id), eq(auditLog.action, "user.update_profile")));
    expect(row).toMatchObject({ actorId: user.id, before: { displayName: null }, after: { displayName: "Ada" } });
  });

  it.each([
    ["a role", { displayName: "Eve", roles: ["admin"] }],
    ["a verified address", { displayName: "Eve", emailVerified: true }],
    ["an email address", { displayName: "Eve", email: "eve@example.com" }],
    ["an access version", { displayName: "Eve", accessVersion: 0 }],
  ])("refuses to set %s through the profile, and changes nothing", async (_case, input) => {
    const user = await member(api, ["customer"]);
    const before = await stored(user.id);
    await expect(user.api.users.updateProfile(input as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await stored(user.id)).toEqual(before);
  });
});

describe("changing the email address", () => {
  const tokenIn = (text: string) => /token=([A-Za-z0-9_-]{43})/.exec(text)![1]!;

  it("moves the account only once a link sent to the new address is opened", async () => {
    const user = await member(api, ["customer"]);
    const newEmail = `moved-${user.id}@example.com`;
    expect(await user.api.users.changeEmail({ newEmail: newEmail.toUpperCase(), password: PASSWORD })).toEqual({
      sent: true,
    });
    expect((await stored(user.id))?.email).toBe(user.email);

    const token = tokenIn((await lastMailTo(newEmail))!.text);
    expect(await user.api.users.confirmEmailChange({ token })).toEqual({ email: newEmail });
    expect(await stored(user.id)).toMatchObject({ email: newEmail, emailVerifiedAt: expect.any(Date) });
    expect((await lastMailTo(user.email))?.subject).toBe("Your account's email address changed");
    await expect(user.api.users.confirmEmailChange({ token })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(tokensOf(await login(api.deps, { email: newEmail, password: PASSWORD }, testActor)).user.id).toBe(user.id);
  });

  it("refuses a wrong password, and sends nothing", async () => {
    const user = await member(api, ["customer"]);
    const newEmail = `wrong-${user.id}@example.com`;
    await expect(user.api.users.changeEmail({ newEmail, password: "not the password" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await lastMailTo(newEmail)).toBeUndefined();
  });

  it("answers the same for a taken address, and warns its owner instead of sending a link", async () => {
    const [user, owner] = [await member(api, ["customer"]), await member(api, ["customer"])];
    expect(await user.api.users.changeEmail({ newEmail: owner.email, password: PASSWORD })).toEqual({ sent: true });
    const mail = await lastMailTo(owner.email);
    expect(mail?.subject).toBe("Someone tried to use your address");
    expect(mail?.text).not.toMatch(/token=/);
    expect((await stored(user.id))?.email).toBe(user.email);
  });
});

describe("deleting an account", () => {
  it("anonymises the person, ends their sessions, and keeps their orders and audit trail", async () => {
    const user = await member(api, ["customer"]);
    const session = tokensOf(await login(api.deps, { email: user.email, password: PASSWORD }, testActor));
    await user.api.users.updateProfile({ displayName: "Grace" });
    const manager = await member(api, ["manager"]);
    const product = await manager.api.products.create(productInput());
    const order = await user.api.orders.place({
      items: [{ productId: product.id, quantity: 1 }],
      idempotencyKey: `delete-${user.id}`,
    });

    await user.api.users.deleteAccount({ password: PASSWORD });

    expect(await stored(user.id)).toMatchObject({
      email: `deleted-${user.id}@deleted.invalid`,
      displayName: null,
      emailVerifiedAt: null,
      deletedAt: expect.any(Date),
    });
    const live = await api.deps.db
      .select()
      .from(refreshSessions)
      .where(and(eq(refreshSessions.id, session.sessionId), isNull(refreshSessions.revokedAt)));
    expect(live).toEqual([]);
    await expect(login(api.deps, { email: user.email, password: PASSWORD }, testActor)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    expect(await api.deps.db.query.orders.findFirst({ where: eq(orders.id, order.id) })).toMatchObject({
      userId: user.id,
    });
    const trail = await api.deps.db.select().from(auditLog).where(eq(auditLog.resourceId, user.id));
    expect(trail.map((row) => row.action)).toEqual(expect.arrayContaining(["user.create", "user.delete_account"]));

    // The address is free again for someone new.
    await register(api.deps, { email: user.email, password: PASSWORD }, systemActor);
  });

  it("refuses a wrong password, and keeps the account", async () => {
    const user = await member(api, ["customer"]);
    const before = await stored(user.id);
    await expect(user.api.users.deleteAccount({ password: "not the password" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await stored(user.id)).toEqual(before);
  });

  it("counts wrong passwords as failed sign-ins: a stolen session guesses no more here than at sign-in", async () => {
    const user = await member(api, ["customer"]);
    const before = await stored(user.id);
    const guesses = Array.from({ length: 8 }, (_, i) =>
      user.api.users.deleteAccount({ password: `guess number ${i}` }).catch((error: { code: string }) => error.code),
    );
    expect((await Promise.all(guesses)).sort()).toEqual([
      ...Array<string>(5).fill("BAD_REQUEST"),
      ...Array<string>(3).fill("TOO_MANY_REQUESTS"),
    ]);
    await expect(user.api.users.deleteAccount({ password: PASSWORD })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    await expect(
      user.api.users.changeEmail({ newEmail: `moved-${user.email}`, password: PASSWORD }),
    ).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(await stored(user.id)).toEqual(before);
  });

  it("refuses to delete the last admin", async () => {
    const admin = await member(api, ["admin"]);
    const before = await stored(admin.id);
    await expect(admin.api.users.deleteAccount({ password: PASSWORD })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await stored(admin.id)).toEqual(before);
  });

  it("keeps the reserved domain of deleted accounts out of sign-up", async () => {
    const anonymous = createCaller(api.contextFor(null));
    await expect(
      anonymous.auth.register({ email: "deleted-someone@deleted.invalid", password: PASSWORD }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
