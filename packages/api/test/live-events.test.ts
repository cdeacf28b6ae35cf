import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accessChangesChannel,
  createAccount,
  grantPermission,
  login,
  orderChannel,
  type OrderStatusChange,
  type Principal,
  type ProductChange,
  productChangesChannel,
  removeRole,
  revokePermission,
  roleCatalog,
  type RoleName,
  systemActor,
  transactionWithEvents,
} from "@seed/core";
import { AppError } from "@seed/platform";
import { holderOf, isLiveFeed, liveEvents, ownerOrHolderOf, type LiveConnection, type LiveFeed } from "../src/live";
import { createCaller } from "../src/root";
import { createTestApi, testActor, tokensOf } from "./support";

let api: Awaited<ReturnType<typeof createTestApi>>;
let admin: Principal;
const password = "a long passphrase";

/** A user with `roles`, signed in: a principal as a connection would hold it. */
async function signedIn(roles: RoleName[]): Promise<Principal> {
  const email = `${roles.join("-") || "nobody"}-${randomBytes(4).toString("hex")}@example.com`;
  await transactionWithEvents(api.deps, (tx, emit) => createAccount(tx, emit, systemActor, { email, password, roles }));
  const session = tokensOf(await login(api.deps, { email, password }, testActor));
  return {
    id: session.user.id,
    email,
    createdAt: session.user.createdAt,
    sessionId: session.sessionId,
    apiKey: null,
    roles,
    permissions: new Set(roles.flatMap((role) => roleCatalog[role].permissions)),
  };
}

/** Reads a subscription in the background; resolves with the error that ends it. */
function endOf(events: AsyncIterable<unknown>): Promise<AppError> {
  return (async () => {
    for await (const _ of events) void _;
    throw new Error("the subscription ended without an error");
  })().catch((error: unknown) => error as AppError);
}

/** The event of a tracked envelope, `[id, event]`. */
const payloadOf = (result: IteratorResult<unknown>) => (result.value as [string, unknown])[1];

function orderChange(orderId: string, userId: string): OrderStatusChange {
  return {
    type: "order.status_changed",
    orderId,
    userId,
    from: "paid",
    to: "shipped",
    paymentStatus: "succeeded",
    at: new Date(),
  };
}

beforeAll(async () => {
  api = await createTestApi();
  admin = await signedIn(["admin"]);
});
afterAll(() => api?.database.destroy());

describe("a live subscription re-checks access", () => {
  it("ends with FORBIDDEN when a manager following someone's order loses the manager role", async () => {
    const manager = await signedIn(["customer", "manager"]);
    const orderId = randomUUID();
    const ownerId = randomUUID();
    const controller = new AbortController();
    const events = await liveEvents<OrderStatusChange>(api.contextFor(manager), controller.signal, {
      channels: [orderChannel(orderId)],
      stillAllowed: ownerOrHolderOf(ownerId, manager.id, "order:read:any"),
    });
    const iterator = events[Symbol.asyncIterator]();
    await api.deps.events.publish(orderChannel(orderId), orderChange(orderId, ownerId));
    expect(payloadOf(await iterator.next())).toMatchObject({ orderId });

    const ended = endOf({ [Symbol.asyncIterator]: () => iterator });
    await removeRole(api.deps, admin, testActor, { userId: manager.id, role: "manager" });
    const error = await ended;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("FORBIDDEN");
  });

  it("goes on for the owner of the order whatever their grants", async () => {
    const owner = await signedIn(["customer"]);
    const orderId = randomUUID();
    const controller = new AbortController();
    const events = await liveEvents<OrderStatusChange>(api.contextFor(owner), controller.signal, {
      channels: [orderChannel(orderId)],
      stillAllowed: ownerOrHolderOf(owner.id, owner.id, "order:read:any"),
    });
    await grantPermission(api.deps, admin, testActor, {
      userId: owner.id,
      permission: "audit:read",
      reason: "a change of access",
    });
    await revokePermission(api.deps, admin, testActor, { userId: owner.id, permission: "audit:read" });
    // Published after both access changes: it arrives only if neither ended the subscription.
    await api.deps.events.publish(orderChannel(orderId), orderChange(orderId, owner.id));
    const iterator = events[Symbol.asyncIterator]();
    expect(payloadOf(await iterator.next())).toMatchObject({ orderId });
    controller.abort();
  });

  it("ends with FORBIDDEN when a temporary grant that allowed it is revoked", async () => {
    const customer = await signedIn(["customer"]);
    await grantPermission(api.deps, admin, testActor, {
      userId: customer.id,
      permission: "order:read:any",
      reason: "support shift",
    });
    const events = await liveEvents(api.contextFor(customer), undefined, {
      channels: ["orders:all"],
      stillAllowed: holderOf("order:read:any"),
    });
    const ended = endOf(events);
    await revokePermission(api.deps, admin, testActor, { userId: customer.id, permission: "order:read:any" });
    expect((await ended).code).toBe("FORBIDDEN");
  });

  it("refuses to start for a holder whose permission was removed after the connection opened", async () => {
    const customer = await signedIn(["customer"]);
    const stale: Principal = { ...customer, permissions: new Set(["order:read:any"]) };
    const error = await liveEvents(api.contextFor(stale), undefined, {
      channels: ["orders:all"],
      stillAllowed: holderOf("order:read:any"),
    }).catch((cause: unknown) => cause as AppError);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("FORBIDDEN");
  });
});

describe("a live subscription holds a slot of its connection", () => {
  function countingConnection(capacity: number) {
    const state = { open: 0 };
    const connection: LiveConnection = {
      async admit() {
        if (state.open >= capacity) throw new AppError("RATE_LIMITED", "Too many subscriptions on this connection");
        state.open += 1;
        let released = false;
        return () => {
          if (!released) state.open -= 1;
          released = true;
        };
      },
      isBackedUp: () => false,
    };
    return { state, connection };
  }

  it("takes the slot while it runs, frees it when it stops, and is refused when none is left", async () => {
    const { state, connection } = countingConnection(1);
    const ctx = { ...api.contextFor(null), connection };
    const controller = new AbortController();
    await liveEvents(ctx, controller.signal, { channels: ["slots"] });
    expect(state.open).toBe(1);
    const refused = await liveEvents(ctx, undefined, { channels: ["slots"] }).catch((cause: unknown) => cause);
    expect(refused).toMatchObject({ code: "RATE_LIMITED" });
    controller.abort();
    expect(state.open).toBe(0);
  });

  it("takes no slot for a client gone before the subscription starts", async () => {
    const { state, connection } = countingConnection(1);
    const ctx = { ...api.contextFor(null), connection };
    const gone = AbortSignal.abort();
    const refused = await liveEvents(ctx, gone, { channels: ["slots"] }).catch((cause: unknown) => cause);
    expect(refused).toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(state.open).toBe(0);
  });

  it("frees the slot when it is refused while starting", async () => {
    const { state, connection } = countingConnection(1);
    const ctx = { ...api.contextFor(null), connection };
    const refused = await liveEvents(ctx, undefined, {
      channels: ["slots"],
      lastEventId: "1-0",
    }).catch((cause: unknown) => cause);
    expect(refused).toMatchObject({ code: "EXPIRED" });
    expect(state.open).toBe(0);
  });
});

describe("a live subscription read by push", () => {
  it("holds back what comes after a change of access until the check says the subscriber may still read", async () => {
    const manager = await signedIn(["customer", "manager"]);
    const orderId = randomUUID();
    const controller = new AbortController();
    const feed = await liveEvents<OrderStatusChange>(api.contextFor(manager), controller.signal, {
      channels: [orderChannel(orderId)],
      stillAllowed: ownerOrHolderOf(randomUUID(), manager.id, "order:read:any"),
    });
    const received: OrderStatusChange[] = [];
    let delivered!: () => void;
    const firstDelivery = new Promise<void>((resolve) => (delivered = resolve));
    feed.deliverTo({
      event: (_cursor, event) => {
        received.push(event.payload);
        delivered();
      },
      end: () => {},
    });

    // The in-process bus hands both over before either call returns, the change of access first.
    void api.deps.events.publish(accessChangesChannel(manager.id), { type: "access.changed", at: new Date() });
    void api.deps.events.publish(orderChannel(orderId), orderChange(orderId, manager.id));
    expect(received).toEqual([]);
    await firstDelivery;
    expect(received).toMatchObject([{ orderId }]);
    controller.abort();
  });

  it("reaches the transport through the procedure chain as a feed, handing every subscriber the same event", async () => {
    const controllers = [new AbortController(), new AbortController()];
    const feeds = await Promise.all(
      controllers.map(({ signal }) => createCaller(api.contextFor(null), { signal }).products.onChange()),
    );
    expect(feeds.every(isLiveFeed)).toBe(true);

    const received: { cursor: string; event: unknown }[][] = [[], []];
    const ends: unknown[] = [];
    feeds.forEach((feed, i) =>
      (feed as unknown as LiveFeed<ProductChange>).deliverTo({
        event: (cursor, event) => received[i]!.push({ cursor, event }),
        end: (error) => ends.push(error ?? "stopped"),
      }),
    );
    const change: ProductChange = { type: "product.updated", productId: randomUUID(), version: 1, at: new Date() };
    const id = await api.deps.events.publish(productChangesChannel, change);
    expect(received[0]).toEqual([{ cursor: id, event: { id, payload: change } }]);
    // One object for both, which is what lets a transport serialise it once.
    expect(received[1]![0]!.event).toBe(received[0]![0]!.event);

    controllers[0]!.abort();
    expect(ends).toEqual(["stopped"]);
    await api.deps.events.publish(productChangesChannel, { ...change, version: 2 });
    expect(received.map((events) => events.length)).toEqual([1, 2]);
    controllers[1]!.abort();
    expect(ends).toEqual(["stopped", "stopped"]);
  });
});
