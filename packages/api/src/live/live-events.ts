import { tracked, TRPCError, type TrackedEnvelope } from "@trpc/server";
import {
  type Access,
  accessChangesChannel,
  currentAccess,
  isSessionPrincipal,
  type Principal,
  type SessionEvent,
  sessionEventsChannel,
  sessionIsLive,
} from "@seed/core";
import type { Context } from "../context";
import { AppError, type ChannelSubscription, MAX_TIMER_DELAY_MS, pulled, type TrackedEvent } from "@seed/platform";
import type { LiveFeed, LiveReceiver } from "./live-feed";

export interface LiveEventsOptions {
  /** The channels to read; a multi-channel event id holds one id per channel, in this order. */
  channels: string[];
  /** The id of the last event the client received, to resume after it. */
  lastEventId?: string | null | undefined;
  /**
   * Whether the subscriber may still read, asked again whenever their roles or grants change and
   * when a temporary grant of theirs expires.
   */
  stillAllowed?: (access: Access) => boolean;
}

const SESSION_ENDED = "Your session has ended; sign in again";
const clientGone = () => new TRPCError({ code: "CLIENT_CLOSED_REQUEST", message: "The client has gone" });

/**
 * The events of `channels` as a tracked subscription: each carries an id to resume from. For a
 * signed-in subscriber it ends with UNAUTHENTICATED once their session is revoked and with
 * FORBIDDEN once `stillAllowed` says no; it ends with RATE_LIMITED when the client reads slower
 * than events come. It holds one of the connection's subscription slots while it runs.
 *
 * Resolves once the subscription is live, so that the client is told it has started only when
 * no event published from then on can be missed.
 */
export async function liveEvents<T>(
  ctx: Context,
  signal: AbortSignal | undefined,
  options: LiveEventsOptions,
): Promise<LiveFeed<T>> {
  const lastIds = options.lastEventId?.split(".") ?? null;
  if (lastIds && lastIds.length !== options.channels.length) {
    throw new AppError("INVALID_INPUT", "This event id belongs to another subscription");
  }
  // tRPC calls the procedure even when its client left while the call was being checked: no
  // abort would then come to end what this starts, nor to free the slot it takes.
  if (signal?.aborted) throw clientGone();
  const release = await ctx.connection?.admit();
  if (signal?.aborted) {
    release?.();
    throw clientGone();
  }
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
    const access = ctx.user ? await watchAccess(ctx, ctx.user, stopped.signal, options) : null;
    const subscription = new LiveSubscription<T>(ctx, sources, access?.guards ?? [], stop, options);
    subscription.checkAccessAgainAt(access?.changesAt ?? null);
    return subscription;
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * Hands each event of the sources over as it comes, with the subscriber's cursor: one id per
 * channel. While an access check runs, the sources are paused, so that nothing published after
 * a change of access reaches a subscriber before the check says they may still read.
 */
class LiveSubscription<T> implements LiveFeed<T> {
  private readonly cursor: string[];
  private receiver: LiveReceiver<T> | null = null;
  private pauses = 0;
  private accessChecks: Promise<void> = Promise.resolve();
  private accessExpiryTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly ctx: Context,
    private readonly sources: ChannelSubscription<unknown>[],
    private readonly guards: ChannelSubscription<unknown>[],
    private readonly stop: () => void,
    private readonly options: LiveEventsOptions,
  ) {
    this.cursor = sources.map((source) => source.from);
  }

  deliverTo(receiver: LiveReceiver<T>): void {
    this.receiver = receiver;
    const end = (error?: unknown) => this.end(error);
    this.sources.forEach((source, channel) =>
      source.deliverTo({ event: (event) => this.deliver(channel, event as TrackedEvent<T>), end }),
    );
    for (const guard of this.guards) guard.deliverTo({ event: (event) => this.checkAccess(event.payload), end });
  }

  [Symbol.asyncIterator](): AsyncIterator<TrackedEnvelope<T>> {
    return pulled<TrackedEnvelope<T>>(
      {
        deliverTo: (receiver) =>
          this.deliverTo({
            event: (cursor, event) => receiver.event(tracked(cursor, event.payload)),
            end: (error) => receiver.end(error),
          }),
        pause: () => this.pause(),
        resume: () => this.resume(),
      },
      this.stop,
    );
  }

  private deliver(channel: number, event: TrackedEvent<T>): void {
    if (this.ended) return;
    if (this.ctx.connection?.isBackedUp()) {
      this.end(
        new AppError(
          "RATE_LIMITED",
          "The connection reads slower than events come; subscribe again with the last event id",
        ),
      );
      return;
    }
    this.cursor[channel] = event.id;
    this.receiver!.event(this.cursor.length === 1 ? event.id : this.cursor.join("."), event);
  }

  /**
   * Nothing is published when a temporary grant runs out, so each instance checks again at the
   * expiry itself, from a timer: the subscription ends then, not at the next change of access.
   */
  checkAccessAgainAt(changesAt: number | null): void {
    clearTimeout(this.accessExpiryTimer);
    if (changesAt === null || this.ended) return;
    const delay = Math.min(Math.max(changesAt - Date.now(), 0), MAX_TIMER_DELAY_MS);
    this.accessExpiryTimer = setTimeout(() => this.checkAccess({ type: "access.changed" }), delay).unref();
  }

  private checkAccess(event: unknown): void {
    this.pause();
    this.accessChecks = this.accessChecks
      .then(() => (this.ended ? undefined : enforceAccess(this.ctx, this.ctx.user!, event, this.options)))
      .then(
        (changesAt) => {
          if (changesAt !== undefined) this.checkAccessAgainAt(changesAt);
          this.resume();
        },
        (error: unknown) => this.end(error),
      );
  }

  private pause(): void {
    if (this.pauses++ === 0) for (const source of this.sources) source.pause();
  }

  private resume(): void {
    if (--this.pauses > 0) return;
    // Handing over one event may pause the subscription again: the rest then stay paused.
    for (const source of this.sources) {
      if (this.pauses > 0 || this.ended) return;
      source.resume();
    }
  }

  private end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.accessExpiryTimer);
    this.stop();
    this.receiver?.end(error);
  }
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
  // Subscriptions are refused to API keys (trpc.ts), so every subscriber here signed in.
  if (!isSessionPrincipal(user) || !(await sessionIsLive(ctx.db, user.id, user.sessionId))) {
    throw new AppError("UNAUTHENTICATED", SESSION_ENDED);
  }
  const changesAt = await enforceAccess(ctx, user, { type: "access.changed" }, options);
  return { guards, changesAt: changesAt ?? null };
}

/**
 * Throws when `event` took the subscriber's session or access away. Resolves, when it checked
 * their access, with the moment that access next changes by itself (null: not by itself); with
 * undefined when the event called for no check.
 */
async function enforceAccess(
  ctx: Context,
  user: Principal,
  event: unknown,
  options: LiveEventsOptions,
): Promise<number | null | undefined> {
  const { type, sessionId } = event as Partial<Pick<SessionEvent, "sessionId">> & { type?: string };
  if (type === "session.revoked" && sessionId === user.sessionId) throw new AppError("UNAUTHENTICATED", SESSION_ENDED);
  if (type !== "access.changed" || !options.stillAllowed) return undefined;
  const { access, changesAt } = await currentAccess(ctx.db, user.id);
  if (!options.stillAllowed(access)) {
    throw new AppError("FORBIDDEN", "You are no longer allowed to follow these events");
  }
  return changesAt;
}
