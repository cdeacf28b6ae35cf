import { apiKeys, users, type ApiKey, type Database } from "@seed/db";
import { and, asc, desc, eq, gt, isNull, type SQL } from "drizzle-orm";
import { toPage } from "../shared/pagination";
import { apiKeyDisplayPrefix } from "./api-key-format";
import type { ApiKeyMetadata, ApiKeySummary } from "./api-key-schemas";

/** A key's row as its owner may see it: no secret hash. */
export function toApiKeySummary(row: Omit<ApiKey, "secretHash" | "userId" | "revokedAt">): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: apiKeyDisplayPrefix(row.publicId),
    scopes: row.scopes,
    metadata: (row.metadata as ApiKeyMetadata | null) ?? null,
    quota:
      row.quotaLimit !== null && row.quotaIntervalSeconds !== null
        ? { limit: row.quotaLimit, intervalSeconds: row.quotaIntervalSeconds }
        : null,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    lastUsedIp: row.lastUsedIp,
  };
}

const summaryColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  publicId: apiKeys.publicId,
  scopes: apiKeys.scopes,
  metadata: apiKeys.metadata,
  quotaLimit: apiKeys.quotaLimit,
  quotaIntervalSeconds: apiKeys.quotaIntervalSeconds,
  expiresAt: apiKeys.expiresAt,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  lastUsedIp: apiKeys.lastUsedIp,
};

/**
 * A user's keys that are not revoked, newest first; expired ones stay listed (and refused) until
 * the daily clean-up deletes them. Their number is capped (`maxKeysPerUser`), so no page is needed.
 */
export async function listOwnApiKeys(db: Database, userId: string): Promise<ApiKeySummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(toApiKeySummary);
}

/** Everyone's keys that are not revoked, or one user's, with their owners, for administrators. */
export async function listApiKeyDirectory(
  db: Database,
  query: { userId?: string | undefined; cursor?: string | undefined; limit: number },
) {
  const conditions: SQL[] = [isNull(apiKeys.revokedAt)];
  if (query.userId) conditions.push(eq(apiKeys.userId, query.userId));
  if (query.cursor) conditions.push(gt(apiKeys.id, query.cursor));
  const rows = await db
    .select({ ...summaryColumns, userId: apiKeys.userId, ownerEmail: users.email })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(...conditions))
    .orderBy(asc(apiKeys.id))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (row) => row.id);
  return {
    items: page.items.map((row) => ({ ...toApiKeySummary(row), userId: row.userId, ownerEmail: row.ownerEmail })),
    nextCursor: page.nextCursor,
  };
}

/** The owner of a key that is not revoked, for ownership checks; null when there is no such key. */
export async function findApiKeyOwner(db: Database, keyId: string): Promise<{ ownerId: string } | null> {
  const key = await db.query.apiKeys.findFirst({
    where: and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)),
    columns: { userId: true },
  });
  return key ? { ownerId: key.userId } : null;
}
