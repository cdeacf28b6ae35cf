import { auditLog, type Database, type Transaction } from "@seed/db";
import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { toPage } from "../shared/pagination";

export interface AuditRecord {
  action: string;
  resource: string;
  resourceId: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Writes one audit row; pass the transaction of the change so that both commit or neither. */
export async function recordAudit(tx: Database | Transaction, actor: Actor, record: AuditRecord): Promise<void> {
  await tx.insert(auditLog).values({
    actorId: actor.userId,
    actorPrincipal: actor.principal ?? null,
    action: record.action,
    resource: record.resource,
    resourceId: record.resourceId,
    before: record.before ?? null,
    after: record.after ?? null,
    ip: actor.ip,
    userAgent: actor.userAgent,
    requestId: actor.requestId,
  });
}

export interface AuditQuery {
  resource?: string | undefined;
  resourceId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: number | undefined;
  limit: number;
}

/** Newest first; `nextCursor` continues after the last row returned, stable under new writes. */
export async function queryAudit(db: Database, query: AuditQuery) {
  const conditions: SQL[] = [];
  if (query.resource) conditions.push(eq(auditLog.resource, query.resource));
  if (query.resourceId) conditions.push(eq(auditLog.resourceId, query.resourceId));
  if (query.actorId) conditions.push(eq(auditLog.actorId, query.actorId));
  if (query.action) conditions.push(eq(auditLog.action, query.action));
  if (query.from) conditions.push(gte(auditLog.at, query.from));
  if (query.to) conditions.push(lte(auditLog.at, query.to));
  if (query.cursor !== undefined) conditions.push(lt(auditLog.id, query.cursor));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => row.id);
}
