import { tracked } from "@trpc/server";
import type { Principal } from "../actor";
import type { Context } from "../context";
import { AppError } from "../errors";
import { accessChangesChannel, sessionEventsChannel, type SessionEvent, type TrackedEvent } from "../events";
import { currentAccess, type Access } from "../services/access";
import { sessionIsLive } from "../services/live-session";
import { merged } from "./merged";

export interface LiveEventsOptions {
  /** The channels to read; a multi-channel event id holds one id per channel, in this order. */
  channels: string[];
  /** The id of the last event the client received, to resume after it. */
  lastEventId?: string | null | undefined;
  /** Whether the subscriber may still read, asked again whenever their roles or grants change. */
  stillAllowed?: (access: Access) => boolean;
}

type Delivery = { channel: number; event: TrackedEvent<unknown> } | { guard: TrackedEvent<unknown> };

const SESSION_ENDED = "Your session has ended; sign in again";

/**
 * The events of `channels` as a tracked subscription: each carries an id to resume from. For a
 * signed-in subscriber it ends with UNAUTHENTICATED once their session is revoked and with
 * FORBIDDEN once `stillAllowed` says no; it ends with RATE_LIMITED when the client reads slower
 * than events come. It holds one of the connection's subscription slots while it runs.
 *
 * Resolves once the subscription is live, so that the client is told it has started only when
 * no event published from then on can be missed.
 */
export async function liveEvents<T>(ctx: Context, signal: AbortSignal | undefined, options: LiveEventsOptions) {
  const lastIds = options.lastEventId?.split(".") ?? null;
  if (lastIds && lastIds.length !== options.channels.length) {
    throw new AppError("INVALID_INPUT", "This event id belongs to another subscription");
  }
  const release = ctx.connection?.admit();
  // Ends the channel subscriptions and frees the slot however the subscription ends: a stop, an
  // error, a disconnect, or a client gone before its first event.
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  signal?.addEventListener("abort", stop, { once: true });
  stopped.signal.addEventListener(
    "abort",
    () => {
      signal?.removeEventListener("abort", stop);
      release?.();
    },
    { once: true },
  );
  try {
    const sources = await Promise.all(
      options.channels.map((channel, i) => ctx.events.subscribe<unknown>(channel, stopped.signal, lastIds?.[i])),
    );
    const guards = ctx.user ? await watchAccess(ctx, ctx.user, stopped.signal, options) : [];
    const deliveries = merged<Delivery>(
      [
        ...sources.map((source, channel) => mapped(source, (event): Delivery => ({ channel, event }))),
        ...guards.map((guard) => mapped(guard, (event): Delivery => ({ guard: event }))),
      ],
      stopped.signal,
    );
    return deliver<T>(
      ctx,
      deliveries,
      sources.map((source) => source.from),
      stop,
      options,
    );
  } catch (error) {
    stop();
    throw error;
  }
}

async function* deliver<T>(
  ctx: Context,
  deliveries: AsyncIterable<Delivery>,
  cursor: string[],
  stop: () => void,
  options: LiveEventsOptions,
) {
  try {
    // Every way out of the loop aborts first: leaving it waits for the sources to close, and
    // only an abort closes a source that is waiting for its next event.
    for await (const delivery of deliveries) {
      if ("guard" in delivery) {
        await enforceAccess(ctx, ctx.user!, delivery.guard.payload, options).catch((error: unknown) => {
          stop();
          throw error;
        });
        continue;
      }
      if (ctx.connection?.isBackedUp()) {
        stop();
        throw new AppError(
          "RATE_LIMITED",
          "The connection reads slower than events come; subscribe again with the last event id",
        );
      }
      cursor[delivery.channel] = delivery.event.id;
      yield tracked(cursor.join("."), delivery.event.payload as T);
    }
  } finally {
    stop();
  }
}

async function* mapped<A, B>(events: AsyncIterable<A>, map: (event: A) => B): AsyncIterable<B> {
  for await (const event of events) yield map(event);
}

/**
 * Listens for what could take the subscriber's access away, then checks that nothing has yet:
 * the connection authenticated them once, possibly long before this subscription.
 */
async function watchAccess(ctx: Context, user: Principal, signal: AbortSignal, options: LiveEventsOptions) {
  const guards = await Promise.all([
    ctx.events.subscribe<unknown>(sessionEventsChannel(user.id), signal),
    ctx.events.subscribe<unknown>(accessChangesChannel(user.id), signal),
  ]);
  if (!(await sessionIsLive(ctx.db, user.id, user.sessionId))) throw new AppError("UNAUTHENTICATED", SESSION_ENDED);
  await enforceAccess(ctx, user, { type: "access.changed" }, options);
  return guards;
}

async function enforceAccess(ctx: Context, user: Principal, event: unknown, options: LiveEventsOptions) {
  const { type, sessionId } = event as Partial<Pick<SessionEvent, "sessionId">> & { type?: string };
  if (type === "session.revoked" && sessionId === user.sessionId) throw new AppError("UNAUTHENTICATED", SESSION_ENDED);
  if (
    type === "access.changed" &&
    options.stillAllowed &&
    !options.stillAllowed(await currentAccess(ctx.db, user.id))
  ) {
    throw new AppError("FORBIDDEN", "You are no longer allowed to follow these events");
  }
}
