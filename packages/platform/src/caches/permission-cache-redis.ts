import type { Redis } from "ioredis";
import { createInProcessPermissionCache } from "./permission-cache-in-process";
import type { PermissionCache, ResolvedAccess } from "./permission-cache";

/**
 * Shared by every instance. Redis holds only copies: the database stays the truth. Each instance
 * also keeps what it read in memory: an entry never changes under its key (keys carry the access
 * version), so a local copy is as fresh as Redis's and saves a round trip per request.
 */
export function createRedisPermissionCache(redis: Redis, keyPrefix: string): PermissionCache {
  const prefix = `${keyPrefix}permissions:`;
  const local = createInProcessPermissionCache();
  return {
    async get(key) {
      const kept = await local.get(key);
      if (kept) return kept;
      const [[, value], [, ttlMs]] = (await redis
        .multi()
        .get(prefix + key)
        .pttl(prefix + key)
        .exec()) as [[Error | null, string | null], [Error | null, number]];
      if (!value) return null;
      const access = JSON.parse(value) as ResolvedAccess;
      if (ttlMs > 0) await local.set(key, access, ttlMs);
      return access;
    },
    async set(key, access, ttlMs) {
      await local.set(key, access, ttlMs);
      await redis.set(prefix + key, JSON.stringify(access), "PX", Math.max(1, Math.floor(ttlMs)));
    },
  };
}
