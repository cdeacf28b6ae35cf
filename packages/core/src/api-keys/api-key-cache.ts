import {
  createInvalidatedCache,
  defaultInvalidatedCacheOptions,
  growingLruCache,
  type EventBus,
  type InvalidatedCacheOptions,
  type InvalidationSource,
} from "@seed/platform";
import type { Permission } from "../access/catalog";
import { sessionInvalidationsChannel, type SessionInvalidation } from "../sessions/session-invalidations";
import { apiKeyInvalidationsChannel, type ApiKeyInvalidation } from "./api-key-invalidations";

/** A usable key and its owner, as every call made with it needs them. */
export interface ApiKeyRecord {
  keyId: string;
  publicId: string;
  secretHash: string;
  scopes: readonly Permission[];
  expiresAt: Date;
  quota: { limit: number; intervalMs: number } | null;
  owner: { id: string; email: string; createdAt: Date; accessVersion: number };
}

/**
 * The keys this instance has recently found usable, so that a call made with a key costs no
 * database round trip. A revocation reaches every instance through the event bus and drops the
 * key; so does any change of its owner's access or address (the session invalidation of all
 * their sessions), after which the owner's access version is read again. What this instance
 * revokes itself is dropped before anyone is told.
 */
export interface ApiKeyCache {
  /** See `InvalidatedCache.generation`: a read begun before a revocation is not remembered. */
  readonly generation: number;
  readonly listening: boolean;
  get(publicId: string): ApiKeyRecord | undefined;
  remember(readAtGeneration: number, record: ApiKeyRecord): void;
  /**
   * The record a whole key was found to match (`matched`), while it is still this cache's record
   * for its public id: a client's later calls then pay for no hash of its secret. Looked up by the
   * whole key, so that no secret is compared character by character.
   */
  matching(key: string): ApiKeyRecord | undefined;
  matched(key: string, record: ApiKeyRecord): void;
  /** Drops the key here, then tells every instance. Call once the revocation has committed. */
  invalidate(invalidation: ApiKeyInvalidation): Promise<void>;
  /**
   * Notes a use of a key from `ip` on this instance: whether its last use is due to be written
   * (at most once a minute), and whether this instance sees the address for the first time.
   */
  noteUse(keyId: string, ip: string, now: number): { lastUseDue: boolean; newAddressHere: boolean };
  close(): Promise<void>;
}

/** The last use of a key is written at most this often, so that a busy key costs no write per call. */
export const LAST_USE_WRITE_INTERVAL_MS = 60_000;
/** Addresses remembered per key; past that, a known address may be looked up again (and found known). */
const ADDRESSES_KEPT_PER_KEY = 64;

const invalidationSources: InvalidationSource[] = [
  {
    channel: apiKeyInvalidationsChannel,
    read: (payload) => {
      const { userId, publicId } = payload as ApiKeyInvalidation;
      return { owner: userId, key: publicId };
    },
  },
  {
    // All of a user's sessions are invalidated when their roles, grants or address change: their
    // keys then act on a stale access version. One session ending concerns no key.
    channel: sessionInvalidationsChannel,
    read: (payload) => {
      const { userId, sessionId } = payload as SessionInvalidation;
      return sessionId === null ? { owner: userId, key: null } : null;
    },
  },
];

export function createApiKeyCache(
  events: EventBus,
  options: InvalidatedCacheOptions = defaultInvalidatedCacheOptions,
): ApiKeyCache {
  const cache = createInvalidatedCache<ApiKeyRecord>(events, invalidationSources, options);
  const uses = growingLruCache<string, { writtenAt: number; addresses: Set<string> }>(options.maxEntries);
  const matches = growingLruCache<string, ApiKeyRecord>(options.maxEntries);
  return {
    get generation() {
      return cache.generation;
    },
    get listening() {
      return cache.listening;
    },
    get: (publicId) => cache.get(publicId),
    remember(readAtGeneration, record) {
      cache.remember(readAtGeneration, {
        key: record.publicId,
        owner: record.owner.id,
        value: Object.freeze(record),
        expiresAt: record.expiresAt.getTime(),
      });
    },
    matching(key) {
      const record = matches.get(key);
      if (!record || cache.get(record.publicId) === record) return record;
      // Revoked, expired, its owner's access changed, or pushed out: the key is checked afresh.
      matches.delete(key);
      return undefined;
    },
    matched(key, record) {
      matches.set(key, record);
    },
    async invalidate(invalidation) {
      cache.forget({ owner: invalidation.userId, key: invalidation.publicId });
      await events.publish(apiKeyInvalidationsChannel, invalidation);
    },
    noteUse(keyId, ip, now) {
      let use = uses.get(keyId);
      if (!use) uses.set(keyId, (use = { writtenAt: 0, addresses: new Set() }));
      const lastUseDue = now - use.writtenAt >= LAST_USE_WRITE_INTERVAL_MS;
      if (lastUseDue) use.writtenAt = now;
      const newAddressHere = !use.addresses.has(ip);
      if (newAddressHere) {
        if (use.addresses.size >= ADDRESSES_KEPT_PER_KEY) use.addresses.clear();
        use.addresses.add(ip);
      }
      return { lastUseDue, newAddressHere };
    },
    close: () => cache.close(),
  };
}
