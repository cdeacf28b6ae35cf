import { auditSeals, type AuditSeal, type Database } from "@seed/db";
import { desc, sql } from "drizzle-orm";
import { rowDigestsAfter } from "./row-digests";
import { GENESIS_HASH, sealHash } from "./seal-hash";
import { SEALER_LOCK_KEY, sealableRows, settleHorizon } from "./sealing-horizon";

/** The most rows one seal covers, so that one sealing transaction stays short. */
export const ROWS_PER_SEAL = 1000;

/**
 * Seals the audit rows that are final (see sealing-horizon.ts), one seal per transaction of at
 * most `ROWS_PER_SEAL` rows, until none is left; resolves with the seals it wrote, oldest first.
 * It runs apart from the transactions that write audit rows and holds no lock they wait for
 * (reading pg_locks pauses the lock manager for an instant, once per seal): writing an audit row
 * costs what it did before there was a chain.
 */
export async function sealAuditLog(db: Database): Promise<AuditSeal[]> {
  const written: AuditSeal[] = [];
  for (;;) {
    const seal = await sealNextRange(db);
    if (!seal) return written;
    written.push(seal);
    if (seal.rowIds.length < ROWS_PER_SEAL) return written;
  }
}

async function sealNextRange(db: Database): Promise<AuditSeal | null> {
  // READ COMMITTED whatever the server's default: the rows must be read in a snapshot taken after
  // the writers were, which a REPEATABLE READ transaction would have taken at its first statement.
  return db.transaction(
    async (tx) => {
      // Sealers on other instances wait here, then extend the seal this one wrote: never a fork.
      await tx.execute(sql`select pg_advisory_xact_lock(${SEALER_LOCK_KEY})`);
      const [previous] = await tx.select().from(auditSeals).orderBy(desc(auditSeals.sequence)).limit(1);
      const afterId = previous?.lastRowId ?? 0;
      const settledThrough = await settleHorizon(tx);
      const rows = sealableRows(await rowDigestsAfter(tx, afterId, ROWS_PER_SEAL), afterId, settledThrough);
      if (rows.length === 0) return null;
      const content = {
        sequence: (previous?.sequence ?? 0) + 1,
        previousHash: previous?.hash ?? GENESIS_HASH,
        firstRowId: afterId + 1,
        lastRowId: rows.at(-1)!.id,
        rows,
      };
      const [seal] = await tx
        .insert(auditSeals)
        .values({
          sequence: content.sequence,
          previousHash: content.previousHash,
          hash: sealHash(content),
          firstRowId: content.firstRowId,
          lastRowId: content.lastRowId,
          rowIds: rows.map((row) => row.id),
          rowDigests: rows.map((row) => row.digest),
        })
        .returning();
      return seal!;
    },
    { isolationLevel: "read committed" },
  );
}
