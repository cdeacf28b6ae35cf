/*
 * API1:2023 Broken object-level authorization. The attacker is a signed-in customer who knows
 * the ids of a victim's objects and passes them to every procedure that takes an id. Each call
 * must be refused, and the victim's objects must be as they were. A procedure that takes an id
 * is one more row.
 */
import type { Client } from "@seed/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeSettledOrder } from "../support/live";
import { codeOf } from "../support/refusal";
import { target, type Account, type Target } from "./attacker";

interface Victim extends Account {
  orderId: string;
}

interface Row {
  procedure: string;
  /** The call, with the victim's id in it. */
  attack: (attacker: Client, victim: Victim) => Promise<unknown>;
  refusedWith: "NOT_FOUND" | "FORBIDDEN";
}

const rows: Row[] = [
  {
    procedure: "orders.get",
    attack: (attacker, victim) => attacker.api.orders.get.query({ orderId: victim.orderId }),
    refusedWith: "NOT_FOUND",
  },
  {
    procedure: "orders.cancel",
    attack: (attacker, victim) => attacker.api.orders.cancel.mutate({ orderId: victim.orderId }),
    refusedWith: "NOT_FOUND",
  },
  {
    procedure: "orders.setStatus",
    attack: (attacker, victim) => attacker.api.orders.setStatus.mutate({ orderId: victim.orderId, status: "shipped" }),
    refusedWith: "FORBIDDEN",
  },
  {
    procedure: "auth.sessions.revoke",
    attack: (attacker, victim) => attacker.api.auth.sessions.revoke.mutate({ sessionId: victim.sessionId }),
    // Someone else's session is not found, so session ids cannot be probed.
    refusedWith: "NOT_FOUND",
  },
  {
    procedure: "admin.users.get",
    attack: (attacker, victim) => attacker.api.admin.users.get.query({ userId: victim.userId }),
    refusedWith: "FORBIDDEN",
  },
  {
    procedure: "admin.users.revokeSessions",
    attack: (attacker, victim) => attacker.api.admin.users.revokeSessions.mutate({ userId: victim.userId }),
    refusedWith: "FORBIDDEN",
  },
  {
    procedure: "admin.roles.assign",
    attack: (attacker, victim) => attacker.api.admin.roles.assign.mutate({ userId: victim.userId, role: "admin" }),
    refusedWith: "FORBIDDEN",
  },
  {
    procedure: "admin.roles.remove",
    attack: (attacker, victim) => attacker.api.admin.roles.remove.mutate({ userId: victim.userId, role: "customer" }),
    refusedWith: "FORBIDDEN",
  },
  {
    procedure: "admin.permissions.grant",
    attack: (attacker, victim) =>
      attacker.api.admin.permissions.grant.mutate({
        userId: victim.userId,
        permission: "user:read:any",
        reason: "let me in",
      }),
    refusedWith: "FORBIDDEN",
  },
  {
    procedure: "admin.permissions.revoke",
    attack: (attacker, victim) =>
      attacker.api.admin.permissions.revoke.mutate({ userId: victim.userId, permission: "user:read:any" }),
    refusedWith: "FORBIDDEN",
  },
];

describe("API1 object-level authorization: another user's ids", () => {
  let app: Target;
  let attacker: Account;
  let victim: Victim;

  beforeAll(async () => {
    app = await target();
    const [productId, customer] = await Promise.all([app.product(), app.customer("victim")]);
    attacker = await app.customer("attacker");
    // Paid before the attacker starts, so that the order's state moves no more by itself.
    const order = await placeSettledOrder(customer.client, {
      items: [{ productId, quantity: 1 }],
      idempotencyKey: "victims-first-order",
    });
    victim = { ...customer, orderId: order.id };
  });
  afterAll(() => app?.deployment.destroy());

  /** What the victim has: it must not change, whatever the attacker tried. */
  async function victimState() {
    const [me, sessions, details, order] = await Promise.all([
      victim.client.api.auth.me.query(),
      victim.client.api.auth.sessions.list.query(),
      app.admin.client.api.admin.users.get.query({ userId: victim.userId }),
      victim.client.api.orders.get.query({ orderId: victim.orderId }),
    ]);
    return {
      order: { status: order.status, paymentStatus: order.paymentStatus },
      roles: me.roles,
      permissions: [...me.permissions].sort(),
      sessions: sessions.map((session) => session.id).sort(),
      grants: details.grants,
    };
  }

  it.each(rows)("$procedure with the victim's id is refused as $refusedWith", async ({ attack, refusedWith }) => {
    const before = await victimState();
    expect(await codeOf(attack(attacker.client, victim))).toBe(refusedWith);
    expect(await victimState()).toEqual(before);
  });

  it("a victim's session id does not even tell the attacker the session exists", async () => {
    const unknown = await codeOf(
      attacker.client.api.auth.sessions.revoke.mutate({ sessionId: "00000000-0000-4000-8000-000000000000" }),
    );
    const victims = await codeOf(attacker.client.api.auth.sessions.revoke.mutate({ sessionId: victim.sessionId }));
    expect(victims).toBe(unknown);
  });

  it("the owner and an admin may act on the same ids, so the refusals above are about ownership", async () => {
    const second = await app.signIn(victim.email);
    await victim.client.api.auth.sessions.revoke.mutate({ sessionId: second.sessionId });
    const third = await app.signIn(victim.email);
    await app.admin.client.api.auth.sessions.revoke.mutate({ sessionId: third.sessionId });
    const live = (await victim.client.api.auth.sessions.list.query()).map((session) => session.id);
    expect(live).not.toContain(second.sessionId);
    expect(live).not.toContain(third.sessionId);
  });
});
