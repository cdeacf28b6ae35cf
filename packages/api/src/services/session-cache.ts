import { setTimeout as delay } from "node:timers/promises";
import { sessionInvalidationsChannel, type EventBus, type SessionInvalidation } from "../events";
import type { Logger } from "../logger";

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
   * Changes with every invalidation heard. A database read that began under an older value may
   * have seen a session just revoked, so `remember` refuses it.
   */
  readonly generation: number;
  /** Whether invalidations reach it now; it serves nothing otherwise. */
  readonly listening: boolean;
  get(sessionId: string): SessionRecord | undefined;
  remember(readAtGeneration: number, session: SessionRecord, sessionExpiresAt: Date): void;
  /** Drops the entries here, then tells every instance. Call once the change has committed. */
  invalidate(invalidation: SessionInvalidation): Promise<void>;
  close(): Promise<void>;
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
 * Serves only while it listens to invalidations: before its subscription stands, or after it
 * ended, every request reads the database, and what was remembered is dropped.
 */
export function createSessionCache(
  events: EventBus,
  options: SessionCacheOptions = defaultSessionCacheOptions,
): SessionCache {
  const entries = new Map<string, { session: SessionRecord; expiresAt: number }>();
  const stopped = new AbortController();
  let listening = false;
  let generation = 0;

  function forget(invalidation: SessionInvalidation) {
    generation++;
    if (invalidation.sessionId) {
      entries.delete(invalidation.sessionId);
      return;
    }
    for (const [sessionId, entry] of entries) if (entry.session.id === invalidation.userId) entries.delete(sessionId);
  }

  function forgetEverything() {
    generation++;
    entries.clear();
  }

  const following = (async () => {
    while (!stopped.signal.aborted) {
      try {
        const invalidations = await events.subscribe<SessionInvalidation>(sessionInvalidationsChannel, stopped.signal);
        // A read that began before the subscription stood may have missed an invalidation.
        generation++;
        listening = true;
        for await (const { payload } of invalidations) forget(payload);
      } catch (error) {
        if (!stopped.signal.aborted) options.log?.warn({ err: error }, "session cache stopped listening");
      } finally {
        listening = false;
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
      return listening;
    },
    get(sessionId) {
      if (!listening) return undefined;
      const entry = entries.get(sessionId);
      if (!entry) return undefined;
      if (entry.expiresAt <= Date.now()) {
        entries.delete(sessionId);
        return undefined;
      }
      return entry.session;
    },
    remember(readAtGeneration, session, sessionExpiresAt) {
      if (!listening || readAtGeneration !== generation) return;
      entries.delete(session.sessionId);
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      const expiresAt = Math.min(Date.now() + options.ttlMs, sessionExpiresAt.getTime());
      entries.set(session.sessionId, { session, expiresAt });
    },
    async invalidate(invalidation) {
      forget(invalidation);
      await events.publish(sessionInvalidationsChannel, invalidation);
    },
    async close() {
      stopped.abort();
      await following;
    },
  };
}
