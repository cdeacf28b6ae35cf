import type { Redis } from "ioredis";
import type { PermissionCache, ResolvedAccess } from "./permission-cache";

/** Shared by every instance. Redis holds only copies: the database stays the truth. */
export function createRedisPermissionCache(redis: Redis, keyPrefix: string): PermissionCache {
  const prefix = `${keyPrefix}permissions:`;
  return {
    async get(key) {
      const value = await redis.get(prefix + key);
      return value ? (JSON.parse(value) as ResolvedAccess) : null;
    },
    async set(key, access, ttlMs) {
      await redis.set(prefix + key, JSON.stringify(access), "PX", Math.max(1, Math.floor(ttlMs)));
    },
  };
}
