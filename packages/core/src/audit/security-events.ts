import { securityEvents, type Database } from "@seed/db";
import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { toPage } from "../shared/pagination";
import type { Logger } from "@seed/platform";

export type SecurityEventType =
  | "access_denied"
  | "invalid_token"
  | "login_failed"
  | "login_locked"
  | "mfa_failed"
  | "passkey_counter_regression"
  | "password_reset"
  | "oidc_login_refused"
  | "refresh_token_reuse"
  | "role_changed"
  | "permission_changed"
  | "sessions_revoked"
  | "api_key_revoked"
  | "user_disabled"
  | "user_enabled"
  | "user_deleted"
  | "mfa_reset";

/**
 * Records a security event in the table and in the log. Never throws: failing to record must
 * not turn a refusal into an error, nor hide the original outcome; the log line still goes out.
 */
export async function recordSecurityEvent(
  deps: { db: Database; log: Logger },
  actor: Actor,
  type: SecurityEventType,
  details: Record<string, unknown> = {},
): Promise<void> {
  deps.log.warn({ securityEvent: type, userId: actor.userId, ip: actor.ip, ...details }, "security event");
  try {
    await deps.db.insert(securityEvents).values({
      type,
      userId: actor.userId,
      ip: actor.ip,
      userAgent: actor.userAgent,
      requestId: actor.requestId,
      details,
    });
  } catch (error) {
    deps.log.error({ err: error, securityEvent: type }, "could not record security event");
  }
}

export interface SecurityEventQuery {
  type?: string | undefined;
  userId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: number | undefined;
  limit: number;
}

export async function querySecurityEvents(db: Database, query: SecurityEventQuery) {
  const conditions: SQL[] = [];
  if (query.type) conditions.push(eq(securityEvents.type, query.type));
  if (query.userId) conditions.push(eq(securityEvents.userId, query.userId));
  if (query.from) conditions.push(gte(securityEvents.at, query.from));
  if (query.to) conditions.push(lte(securityEvents.at, query.to));
  if (query.cursor !== undefined) conditions.push(lt(securityEvents.id, query.cursor));
  const rows = await db
    .select()
    .from(securityEvents)
    .where(and(...conditions))
    .orderBy(desc(securityEvents.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => row.id);
}
