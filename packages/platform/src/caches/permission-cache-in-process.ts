import type { PermissionCache, ResolvedAccess } from "./permission-cache";
import { growingLruCache } from "./growing-lru-cache";

const MAX_ENTRIES = 10_000;

/** The embedded default: one map per process, bounded, the least recently used entries dropped first. */
export function createInProcessPermissionCache(): PermissionCache {
  const entries = growingLruCache<string, { access: ResolvedAccess; expiresAt: number }>(MAX_ENTRIES);
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAt <= Date.now()) {
        entries.delete(key);
        return null;
      }
      return entry.access;
    },
    async set(key, access, ttlMs) {
      entries.set(key, { access, expiresAt: Date.now() + ttlMs });
    },
  };
}
