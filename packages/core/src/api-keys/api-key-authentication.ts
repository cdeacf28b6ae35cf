import { apiKeyAddresses, apiKeys, users, type Database } from "@seed/db";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { Dependencies } from "../dependencies";
import { isPermission } from "../access/catalog";
import { recordAudit } from "../audit/audit";
import type { Actor } from "../shared/actor";
import { LAST_USE_WRITE_INTERVAL_MS, type ApiKeyRecord } from "./api-key-cache";
import { parseApiKey, secretMatches } from "./api-key-format";

const INVALID_API_KEY = "Invalid API key";

/**
 * The key a bearer credential names, if it is usable: well formed, known, not revoked, not
 * expired, its secret right and its owner's account neither deleted nor disabled. Otherwise an UNAUTHENTICATED
 * error. Served from the cache when this instance found the key usable recently; its use is
 * written down at most once a minute, and its first use from an address is audited.
 */
export async function authenticateApiKey(
  deps: Pick<Dependencies, "db" | "apiKeyCache">,
  presented: string,
  caller: Actor & { ip: string },
): Promise<ApiKeyRecord> {
  const record = deps.apiKeyCache.matching(presented) ?? (await matchedKey(deps, presented));
  const now = Date.now();
  if (record.expiresAt.getTime() <= now) throw new AppError("UNAUTHENTICATED", "API key expired");
  const use = deps.apiKeyCache.noteUse(record.keyId, caller.ip, now);
  if (use.lastUseDue || use.newAddressHere) await recordUse(deps.db, use, record, caller);
  return record;
}

/** The usable key whose secret `presented` holds, remembered as its match; UNAUTHENTICATED otherwise. */
async function matchedKey(deps: Pick<Dependencies, "db" | "apiKeyCache">, presented: string): Promise<ApiKeyRecord> {
  const parts = parseApiKey(presented);
  if (!parts) throw new AppError("UNAUTHENTICATED", INVALID_API_KEY);
  const record = deps.apiKeyCache.get(parts.publicId) ?? (await readUsableKey(deps, parts.publicId));
  if (!record || !secretMatches(parts.secret, record.secretHash)) {
    throw new AppError("UNAUTHENTICATED", INVALID_API_KEY);
  }
  deps.apiKeyCache.matched(presented, record);
  return record;
}

async function readUsableKey(
  deps: Pick<Dependencies, "db" | "apiKeyCache">,
  publicId: string,
): Promise<ApiKeyRecord | undefined> {
  const generation = deps.apiKeyCache.generation;
  const [row] = await deps.db
    .select({
      keyId: apiKeys.id,
      secretHash: apiKeys.secretHash,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      quotaLimit: apiKeys.quotaLimit,
      quotaIntervalSeconds: apiKeys.quotaIntervalSeconds,
      ownerId: users.id,
      email: users.email,
      createdAt: users.createdAt,
      accessVersion: users.accessVersion,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(eq(apiKeys.publicId, publicId), isNull(apiKeys.revokedAt), isNull(users.deletedAt), isNull(users.disabledAt)),
    );
  if (!row) return undefined;
  const record: ApiKeyRecord = {
    keyId: row.keyId,
    publicId,
    secretHash: row.secretHash,
    // A permission the catalogue no longer has grants nothing.
    scopes: row.scopes.filter(isPermission),
    expiresAt: row.expiresAt,
    quota:
      row.quotaLimit !== null && row.quotaIntervalSeconds !== null
        ? { limit: row.quotaLimit, intervalMs: row.quotaIntervalSeconds * 1000 }
        : null,
    owner: { id: row.ownerId, email: row.email, createdAt: row.createdAt, accessVersion: row.accessVersion },
  };
  deps.apiKeyCache.remember(generation, record);
  return record;
}

/**
 * The last use, at most once a minute per key on each instance, and once a minute across them
 * all (the update leaves a fresher one alone); the first use from an address, audited once
 * however many instances see it (the address row is written once).
 */
async function recordUse(
  db: Database,
  use: { lastUseDue: boolean; newAddressHere: boolean },
  record: ApiKeyRecord,
  caller: Actor & { ip: string },
): Promise<void> {
  if (use.lastUseDue) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()`, lastUsedIp: caller.ip })
      .where(
        and(
          eq(apiKeys.id, record.keyId),
          or(
            isNull(apiKeys.lastUsedAt),
            lt(apiKeys.lastUsedAt, sql`now() - make_interval(secs => ${LAST_USE_WRITE_INTERVAL_MS / 1000})`),
          ),
        ),
      );
  }
  if (!use.newAddressHere) return;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(apiKeyAddresses)
      .values({ keyId: record.keyId, ip: caller.ip })
      .onConflictDoNothing()
      .returning({ ip: apiKeyAddresses.ip });
    if (inserted.length === 0) return;
    await recordAudit(
      tx,
      { ...caller, userId: record.owner.id },
      {
        action: "api_key.use_from_new_address",
        resource: "api_key",
        resourceId: record.keyId,
        after: { ip: caller.ip },
      },
    );
  });
}
