import type { PermissionCache, ResolvedAccess } from "./permission-cache";

const MAX_ENTRIES = 10_000;

/** The embedded default: one map per process, bounded, oldest entries dropped first. */
export function createInProcessPermissionCache(): PermissionCache {
  const entries = new Map<string, { access: ResolvedAccess; expiresAt: number }>();
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
      entries.delete(key);
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(key, { access, expiresAt: Date.now() + ttlMs });
    },
  };
}
