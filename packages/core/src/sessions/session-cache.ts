import { setTimeout as delay } from "node:timers/promises";
import type { EventBus, Logger } from "@seed/platform";
import { LRUCache } from "lru-cache";
import { sessionInvalidationsChannel, type SessionInvalidation } from "./session-invalidations";

/** A live session and its user, as every authenticated request needs them. */
export interface SessionRecord {
  id: string;
  email: string;
  createdAt: Date;
  accessVersion: number;
  sessionId: string;
}

/**
 * The sessions this instance has recently found live, so that a request need not ask the
 * database again. Revocations and changes of a user's access or address reach every instance
 * through the event bus and drop the entries concerned; what this instance changes itself is
 * dropped before anyone is told.
 */
export interface SessionCache {
  /**
   * Grows with every invalidation heard. A database read that began under an older value than
   * its user's last invalidation may have seen a session just revoked, so `remember` refuses it.
   */
  readonly generation: number;
  /** Whether every invalidation reaches it now; it serves nothing otherwise. */
  readonly listening: boolean;
  get(sessionId: string): SessionRecord | undefined;
  remember(readAtGeneration: number, session: SessionRecord, sessionExpiresAt: Date): void;
  /** Drops the entries here, then tells every instance. Call once the change has committed. */
  invalidate(invalidation: SessionInvalidation): Promise<void>;
  close(): Promise<void>;
}

/** What a change that ends or alters sessions needs of the cache: to tell every instance. */
export type SessionInvalidator = Pick<SessionCache, "invalidate">;

/** Tells every instance, for a process that remembers no sessions of its own (the CLI). */
export function sessionInvalidator(events: EventBus): SessionInvalidator {
  return {
    async invalidate(invalidation) {
      await events.publish(sessionInvalidationsChannel, invalidation);
    },
  };
}

export interface SessionCacheOptions {
  /**
   * The longest an entry is trusted. Invalidations normally arrive within milliseconds; this
   * bounds the damage when one could not be sent (Redis away while a session was revoked).
   */
  ttlMs: number;
  maxEntries: number;
  /** How long to wait before listening again after the subscription to invalidations ended. */
  retryDelayMs: number;
  log?: Logger;
}

export const defaultSessionCacheOptions: SessionCacheOptions = {
  ttlMs: 30_000,
  maxEntries: 10_000,
  retryDelayMs: 1_000,
};

/**
 * Serves only while it hears every invalidation: before its subscription stands, after it
 * ended, and while the event bus has lost its link to the other instances, every request
 * reads the database, and what was remembered is dropped.
 */
export function createSessionCache(
  events: EventBus,
  options: SessionCacheOptions = defaultSessionCacheOptions,
): SessionCache {
  const entries = new LRUCache<string, { session: SessionRecord; expiresAt: number }>({ max: options.maxEntries });
  // When each user was last invalidated, and when everything was: a read that began before
  // either is not remembered. Per user, so that one user signing in and out all day does not
  // keep everyone else's sessions from being remembered.
  const invalidatedAt = new Map<string, number>();
  let resetAt = 0;
  let generation = 0;
  const announcer = sessionInvalidator(events);
  const stopped = new AbortController();
  let subscribed = false;
  let connected = true;
  const serving = () => subscribed && connected;

  function forget(invalidation: SessionInvalidation) {
    generation++;
    if (invalidatedAt.size >= options.maxEntries) forgetEverything();
    invalidatedAt.set(invalidation.userId, generation);
    if (invalidation.sessionId) {
      entries.delete(invalidation.sessionId);
      return;
    }
    for (const [sessionId, entry] of entries) if (entry.session.id === invalidation.userId) entries.delete(sessionId);
  }

  function forgetEverything() {
    resetAt = ++generation;
    entries.clear();
    invalidatedAt.clear();
  }

  const stopWatching = events.onConnectivityChange((isConnected) => {
    connected = isConnected;
    // Once connected again, a read that began while events could be missed may be stale.
    forgetEverything();
  });

  const following = (async () => {
    while (!stopped.signal.aborted) {
      try {
        const invalidations = await events.subscribe<SessionInvalidation>(sessionInvalidationsChannel, stopped.signal);
        // A read that began before the subscription stood may have missed an invalidation.
        forgetEverything();
        subscribed = true;
        for await (const { payload } of invalidations) forget(payload);
      } catch (error) {
        if (!stopped.signal.aborted) options.log?.warn({ err: error }, "session cache stopped listening");
      } finally {
        subscribed = false;
        forgetEverything();
      }
      await delay(options.retryDelayMs, undefined, { signal: stopped.signal }).catch(() => {});
    }
  })();

  return {
    get generation() {
      return generation;
    },
    get listening() {
      return serving();
    },
    get(sessionId) {
      if (!serving()) return undefined;
      const entry = entries.get(sessionId);
      if (!entry) return undefined;
      if (entry.expiresAt <= Date.now()) {
        entries.delete(sessionId);
        return undefined;
      }
      return entry.session;
    },
    remember(readAtGeneration, session, sessionExpiresAt) {
      if (!serving() || resetAt > readAtGeneration) return;
      if ((invalidatedAt.get(session.id) ?? 0) > readAtGeneration) return;
      const expiresAt = Math.min(Date.now() + options.ttlMs, sessionExpiresAt.getTime());
      // Every request of the session is handed this same object.
      entries.set(session.sessionId, { session: Object.freeze(session), expiresAt });
    },
    async invalidate(invalidation) {
      forget(invalidation);
      await announcer.invalidate(invalidation);
    },
    async close() {
      stopWatching();
      stopped.abort();
      await following;
    },
  };
}
