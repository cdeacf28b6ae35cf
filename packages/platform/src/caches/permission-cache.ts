/** What a user may do, as resolved from their roles and direct grants. */
export interface ResolvedAccess {
  roles: string[];
  permissions: string[];
  /** When the earliest temporary grant among them ends (ms since epoch), if any. */
  changesAt: number | null;
}

/**
 * Resolved access, so that a request does not always pay for the joins. Keys carry the user's
 * access version, which every change of their roles or grants bumps in the same transaction:
 * a stale entry is never read again. (The version itself comes with the session, which the
 * session cache re-reads once the change is announced.)
 */
export interface PermissionCache {
  get(key: string): Promise<ResolvedAccess | null>;
  set(key: string, access: ResolvedAccess, ttlMs: number): Promise<void>;
}

/** Longest an entry is kept; entries also never outlive the earliest temporary grant in them. */
export const PERMISSION_CACHE_TTL_MS = 60_000;
