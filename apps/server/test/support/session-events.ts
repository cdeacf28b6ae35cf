import type { SessionEvent } from "@seed/api";
import type { Client } from "@seed/client";
import { tokensOf, type TestServer } from "./test-server";

export interface Subscription {
  /** Resolves once the server has started the subscription. */
  started: Promise<void>;
  /** Resolves with the first `count` events received. */
  next(count: number): Promise<SessionEvent[]>;
  /** Resolves with the error that ended the subscription. */
  failed: Promise<unknown>;
  stop(): void;
}

export function subscribeToSessionEvents(client: Client): Subscription {
  const received: SessionEvent[] = [];
  const waiters: { count: number; resolve: (events: SessionEvent[]) => void }[] = [];
  let onStarted!: () => void;
  let onError!: (error: unknown) => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const failed = new Promise<unknown>((resolve) => (onError = resolve));
  const subscription = client.api.auth.onSessionEvent.subscribe(undefined, {
    onStarted: () => onStarted(),
    onError: (error) => onError(error),
    onData: (event) => {
      received.push(event);
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiter.resolve(received.slice(0, waiter.count));
      }
    },
  });
  return {
    started,
    failed,
    next: (count) =>
      received.length >= count
        ? Promise.resolve(received.slice(0, count))
        : new Promise((resolve) => waiters.push({ count, resolve })),
    stop: () => subscription.unsubscribe(),
  };
}

/** A client signed in as `email`, registering the account first when it is new. */
export async function signedInClient(
  server: TestServer,
  email: string,
): Promise<{ client: Client; userId: string; email: string }> {
  const anonymous = server.client();
  await anonymous.api.auth.register.mutate({ email, password: "a long passphrase" }).catch(() => {});
  const session = tokensOf(await anonymous.api.auth.login.mutate({ email, password: "a long passphrase" }));
  return { client: server.client({ getAccessToken: () => session.accessToken }), userId: session.user.id, email };
}
