import { setTimeout as delay } from "node:timers/promises";
import { growingLruCache } from "./growing-lru-cache";
import type { EventBus } from "../event-bus/event-bus";
import type { Logger } from "../logging/logger";

/** What may no longer be trusted: one entry of an owner, or every entry of theirs (`key` null). */
export interface CacheInvalidation {
  owner: string;
  key: string | null;
}

/** A channel whose events invalidate entries; `read` says which, or null for an event that concerns none. */
export interface InvalidationSource {
  channel: string;
  read(payload: unknown): CacheInvalidation | null;
}

/**
 * What this instance recently read from the database about credentials, kept until every
 * instance is told it is no longer true. Each entry belongs to an owner (a user), so that one
 * change can drop all of theirs.
 */
export interface InvalidatedCache<TValue> {
  /**
   * Grows with every invalidation heard. A database read that began under an older value than
   * its owner's last invalidation may have seen something just revoked, so `remember` refuses it.
   */
  readonly generation: number;
  /** Whether every invalidation reaches it now; it serves nothing otherwise. */
  readonly listening: boolean;
  get(key: string): TValue | undefined;
  /** Keeps `value` until `expiresAt` (ms since epoch) or the cache's time to live, whichever is first. */
  remember(readAtGeneration: number, entry: { key: string; owner: string; value: TValue; expiresAt: number }): void;
  /** Drops entries on this instance only; telling the others is the caller's business. */
  forget(invalidation: CacheInvalidation): void;
  close(): Promise<void>;
}

export interface InvalidatedCacheOptions {
  /**
   * The longest an entry is trusted. Invalidations normally arrive within milliseconds; this
   * bounds the damage when one could not be sent (Redis away at the moment of a revocation).
   */
  ttlMs: number;
  maxEntries: number;
  /** How long to wait before listening again after a subscription to invalidations ended. */
  retryDelayMs: number;
  log?: Logger;
}

export const defaultInvalidatedCacheOptions: InvalidatedCacheOptions = {
  ttlMs: 30_000,
  maxEntries: 10_000,
  retryDelayMs: 1_000,
};

/**
 * Serves only while it hears every invalidation of every source: before its subscriptions
 * stand, after one ended, and while the event bus has lost its link to the other instances,
 * every read goes to the database, and what was remembered is dropped.
 */
export function createInvalidatedCache<TValue>(
  events: EventBus,
  sources: readonly InvalidationSource[],
  options: InvalidatedCacheOptions = defaultInvalidatedCacheOptions,
): InvalidatedCache<TValue> {
  const entries = growingLruCache<string, { owner: string; value: TValue; expiresAt: number }>(options.maxEntries);
  // When each owner was last invalidated, and when everything was: a read that began before
  // either is not remembered. Per owner, so that one user signing in and out all day does not
  // keep everyone else's entries from being remembered.
  const invalidatedAt = new Map<string, number>();
  let resetAt = 0;
  let generation = 0;
  const stopped = new AbortController();
  let subscribed = 0;
  let connected = true;
  const serving = () => subscribed === sources.length && connected;

  function forget(invalidation: CacheInvalidation) {
    generation++;
    if (invalidatedAt.size >= options.maxEntries) forgetEverything();
    invalidatedAt.set(invalidation.owner, generation);
    if (invalidation.key !== null) {
      entries.delete(invalidation.key);
      return;
    }
    for (const [key, entry] of entries) if (entry.owner === invalidation.owner) entries.delete(key);
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

  async function follow(source: InvalidationSource) {
    while (!stopped.signal.aborted) {
      let counted = false;
      try {
        const invalidations = await events.subscribe<unknown>(source.channel, stopped.signal);
        // A read that began before the subscription stood may have missed an invalidation.
        forgetEverything();
        subscribed++;
        counted = true;
        for await (const { payload } of invalidations) {
          const invalidation = source.read(payload);
          if (invalidation) forget(invalidation);
        }
      } catch (error) {
        if (!stopped.signal.aborted)
          options.log?.warn({ err: error, channel: source.channel }, "cache stopped listening");
      } finally {
        if (counted) subscribed--;
        forgetEverything();
      }
      await delay(options.retryDelayMs, undefined, { signal: stopped.signal }).catch(() => {});
    }
  }
  const following = Promise.all(sources.map(follow));

  return {
    get generation() {
      return generation;
    },
    get listening() {
      return serving();
    },
    get(key) {
      if (!serving()) return undefined;
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= Date.now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    remember(readAtGeneration, { key, owner, value, expiresAt }) {
      if (!serving() || resetAt > readAtGeneration) return;
      if ((invalidatedAt.get(owner) ?? 0) > readAtGeneration) return;
      entries.set(key, { owner, value, expiresAt: Math.min(Date.now() + options.ttlMs, expiresAt) });
    },
    forget,
    async close() {
      stopWatching();
      stopped.abort();
      await following;
    },
  };
}
