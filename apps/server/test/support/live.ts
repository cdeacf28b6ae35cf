import { randomUUID } from "node:crypto";
import { type Notification } from "@seed/api";
import { type OrderStatus, type OrderStatusChange, type ProductChange, productChangesChannel } from "@seed/core";
import { TRPCClientError, type Client, type RouterInputs } from "@seed/client";
import type { Unsubscribable } from "@trpc/server/observable";
import { tokensOf, type TestServer } from "./test-server";

interface Handlers<T> {
  onStarted: () => void;
  onData: (data: T) => void;
  onError: (error: unknown) => void;
}

/** What a subscription received, and ways to wait for more of it. */
export interface RecordedSubscription<T> {
  /** Every event so far, in order of arrival. */
  received: T[];
  /** Resolves once the server has started the subscription `count` times (once more per reconnect). */
  starts(count: number): Promise<void>;
  /** Resolves with the first `count` events received. */
  next(count: number): Promise<T[]>;
  /** Resolves with the error that ended the subscription. */
  failed: Promise<TRPCClientError<never>>;
  stop(): void;
}

/** Records a subscription made with `subscribe`, e.g. `(h) => api.products.onChange.subscribe(undefined, h)`. */
export function recordSubscription<T>(subscribe: (handlers: Handlers<T>) => Unsubscribable): RecordedSubscription<T> {
  const received: T[] = [];
  let started = 0;
  const waiters: { ready: () => boolean; resolve: () => void }[] = [];
  const settle = () => {
    for (const waiter of waiters.filter((w) => w.ready())) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const until = (ready: () => boolean) =>
    ready() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ready, resolve }));
  let onError!: (error: TRPCClientError<never>) => void;
  const failed = new Promise<TRPCClientError<never>>((resolve) => (onError = resolve));
  const subscription = subscribe({
    onStarted: () => {
      started += 1;
      settle();
    },
    onData: (data) => {
      received.push(data);
      settle();
    },
    onError: (error) => {
      if (!(error instanceof TRPCClientError)) throw error;
      onError(error as TRPCClientError<never>);
    },
  });
  return {
    received,
    starts: (count) => until(() => started >= count),
    next: async (count) => {
      await until(() => received.length >= count);
      return received.slice(0, count);
    },
    failed,
    stop: () => subscription.unsubscribe(),
  };
}

export const PASSWORD = "a long passphrase";

/** Registers (if need be) and signs in `email`; a client of `server` carrying its access token. */
export async function signedInClient(
  server: TestServer,
  email: string,
  options: Parameters<TestServer["client"]>[0] = {},
  password = PASSWORD,
) {
  const anonymous = server.client();
  await anonymous.api.auth.register.mutate({ email, password }).catch(() => {});
  const session = tokensOf(await anonymous.api.auth.login.mutate({ email, password }));
  const client: Client = server.client({ getAccessToken: () => session.accessToken, ...options });
  return { client, session, userId: session.user.id, email };
}

/** An event as a subscription delivers it: with the id to resume after. */
export type Tracked<T> = { id: string; data: T };

/** Every product change `client` is told of, from after `lastEventId` when given. */
export function watchProducts(client: Client, lastEventId?: string) {
  return recordSubscription<Tracked<ProductChange>>((handlers) =>
    client.api.products.onChange.subscribe(lastEventId ? { lastEventId } : undefined, handlers),
  );
}

/** The notifications of the user `client` is signed in as. */
export function watchNotifications(client: Client) {
  return recordSubscription<Tracked<Notification>>((handlers) =>
    client.api.notifications.onMine.subscribe(undefined, handlers),
  );
}

/** Publishes through the bus of `server`, as a service of that instance does after a commit. */
export function publishProductChange(server: TestServer, change: Partial<ProductChange> = {}): Promise<string> {
  return server.server.resources.events.publish(productChangesChannel, {
    type: "product.updated",
    productId: randomUUID(),
    version: 1,
    at: new Date(),
    ...change,
  } satisfies ProductChange);
}

/** Resolves with the change of `orderId` to `to` once `feed` (someone's notifications) has it. */
export async function orderBecomes(
  feed: RecordedSubscription<Tracked<Notification>>,
  orderId: string,
  to: OrderStatus,
): Promise<OrderStatusChange> {
  for (let count = 1; ; count += 1) {
    const change = (await feed.next(count))
      .map((event) => event.data)
      .find(
        (data): data is OrderStatusChange =>
          data.type === "order.status_changed" && data.orderId === orderId && data.to === to,
      );
    if (change) return change;
  }
}

/**
 * Places an order and waits for its payment, which runs after the order is answered: resolves
 * with the order once the owner is told it is `settledAs`.
 */
export async function placeSettledOrder(
  client: Client,
  input: RouterInputs["orders"]["place"],
  settledAs: OrderStatus = "paid",
) {
  const notifications = watchNotifications(client);
  await notifications.starts(1);
  try {
    const placed = await client.api.orders.place.mutate(input);
    await orderBecomes(notifications, placed.id, settledAs);
    return await client.api.orders.get.query({ orderId: placed.id });
  } finally {
    notifications.stop();
  }
}
