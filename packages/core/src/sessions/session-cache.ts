import {
  createInvalidatedCache,
  defaultInvalidatedCacheOptions,
  type EventBus,
  type InvalidatedCacheOptions,
  type InvalidationSource,
} from "@seed/platform";
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

export type SessionCacheOptions = InvalidatedCacheOptions;

export const defaultSessionCacheOptions: SessionCacheOptions = defaultInvalidatedCacheOptions;

/** Every invalidation of the sessions channel concerns the sessions it names. */
const sessionInvalidations: InvalidationSource = {
  channel: sessionInvalidationsChannel,
  read: (payload) => {
    const { userId, sessionId } = payload as SessionInvalidation;
    return { owner: userId, key: sessionId };
  },
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
  const cache = createInvalidatedCache<SessionRecord>(events, [sessionInvalidations], options);
  const announcer = sessionInvalidator(events);
  return {
    get generation() {
      return cache.generation;
    },
    get listening() {
      return cache.listening;
    },
    get: (sessionId) => cache.get(sessionId),
    remember(readAtGeneration, session, sessionExpiresAt) {
      // Every request of the session is handed this same object.
      cache.remember(readAtGeneration, {
        key: session.sessionId,
        owner: session.id,
        value: Object.freeze(session),
        expiresAt: sessionExpiresAt.getTime(),
      });
    },
    async invalidate(invalidation) {
      cache.forget({ owner: invalidation.userId, key: invalidation.sessionId });
      await announcer.invalidate(invalidation);
    },
    close: () => cache.close(),
  };
}
