import { auditLog, auditSeals, type Database } from "@seed/db";
import { count, desc, gt } from "drizzle-orm";
import type { AuditChainHead } from "./chain-report";

/** The newest seal and the number of audit rows after it; cheap enough for every metrics scrape. */
export async function readChainHead(db: Database): Promise<AuditChainHead> {
  const [newest] = await db
    .select({
      sequence: auditSeals.sequence,
      hash: auditSeals.hash,
      sealedAt: auditSeals.sealedAt,
      lastRowId: auditSeals.lastRowId,
    })
    .from(auditSeals)
    .orderBy(desc(auditSeals.sequence))
    .limit(1);
  const sealedThroughRowId = newest?.lastRowId ?? 0;
  const [unsealed] = await db.select({ rows: count() }).from(auditLog).where(gt(auditLog.id, sealedThroughRowId));
  return {
    sequence: newest?.sequence ?? 0,
    hash: newest?.hash ?? null,
    sealedAt: newest?.sealedAt ?? null,
    sealedThroughRowId,
    unsealedRows: unsealed?.rows ?? 0,
  };
}
