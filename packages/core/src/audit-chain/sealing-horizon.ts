import { auditSealHorizon, rowsOf, type Transaction } from "@seed/db";
import { sql } from "drizzle-orm";
import type { RowDigest } from "./row-digests";

/*
 * The sealing rule: which audit rows may be sealed, so that a seal never skips a row that commits
 * late and never waits forever on an id that no row will have.
 *
 * Ids come from the identity sequence (CACHE 1: handed out in increasing order of time) when a
 * row is inserted, but rows commit in any order, and a rolled-back insert leaves its id unused
 * for ever. A seal covers a contiguous range of ids, so an id may be passed over only once it is
 * final: its row is committed (visible), or the transaction that took it has ended without
 * committing (a gap for ever). A visible row is final; an invisible id is final once every
 * transaction that could still hold it has ended. To know which those are:
 *
 * 1. Read the sequence's last value `through`; every id up to it has been handed out by now.
 * 2. Then read the transactions holding the ROW EXCLUSIVE lock on audit_log (pg_locks). An
 *    INSERT takes that lock before its identity default draws an id, and keeps it until its
 *    transaction ends (commit or rollback), so any transaction that drew an id up to `through`
 *    and has not ended is among them. They are named by virtual transaction id, which every
 *    transaction has, including one that has drawn an id and not yet been given an xid.
 *    (A prepared two-phase transaction has no virtual one; the application prepares none.)
 * 3. Once none of them is running any more, every id up to `through` is final. With none
 *    running at step 2 already, that is at once; otherwise the pair (`through`, writers) is kept
 *    in audit_seal_horizon and checked at the next run, so a gap is passed over after the
 *    transactions open when it was seen have ended, however many new ones have started since.
 * 4. Rows are read after all this (each statement of the READ COMMITTED transaction takes a new
 *    snapshot), so a writer that committed in the meantime is visible.
 *
 * A seal then covers the ids from the one after the previous seal up to the last row before the
 * first id that is neither visible nor settled. Why not `xid < pg_snapshot_xmin(...)` of the
 * rows instead: a transaction may take its xid long before its audit id (an order writes its
 * stock first), so a row of an older xid can carry a higher id than a row still in flight.
 */

/** The lock key that makes sealers take turns, whichever instance they run on. */
export const SEALER_LOCK_KEY = 7_203_415_911;

/** Reads, advances and stores the horizon; resolves with the id through which every id is final. */
export async function settleHorizon(tx: Transaction): Promise<number> {
  const [stored] = await tx.select().from(auditSealHorizon);
  let settledThrough = stored?.settledThrough ?? 0;
  let pending =
    stored?.pendingThrough != null && stored.pendingWriters
      ? { through: stored.pendingThrough, writers: stored.pendingWriters }
      : null;
  if (pending && !(await anyStillRunning(tx, pending.writers))) {
    settledThrough = Math.max(settledThrough, pending.through);
    pending = null;
  }
  // In this order: the writers are read after the last id, so they include all that drew one.
  const through = await lastIdHandedOut(tx);
  const writers = await transactionsWritingAuditRows(tx);
  if (writers.length === 0) {
    settledThrough = Math.max(settledThrough, through);
    pending = null;
  } else if (!pending && through > settledThrough) {
    pending = { through, writers };
  }

  const next = {
    settledThrough,
    pendingThrough: pending?.through ?? null,
    pendingWriters: pending?.writers ?? null,
  };
  if (
    !stored ||
    stored.settledThrough !== next.settledThrough ||
    stored.pendingThrough !== next.pendingThrough ||
    stored.pendingWriters?.join() !== next.pendingWriters?.join()
  ) {
    await tx
      .insert(auditSealHorizon)
      .values({ singleton: true, ...next })
      .onConflictDoUpdate({ target: auditSealHorizon.singleton, set: next });
  }
  return settledThrough;
}

/**
 * The rows a seal may cover after `afterId`: the leading run of `rows` (visible, in id order) in
 * which every id skipped is settled.
 */
export function sealableRows(rows: readonly RowDigest[], afterId: number, settledThrough: number): RowDigest[] {
  const sealable: RowDigest[] = [];
  let expected = afterId + 1;
  for (const row of rows) {
    if (row.id > expected && row.id - 1 > settledThrough) break;
    sealable.push(row);
    expected = row.id + 1;
  }
  return sealable;
}

async function lastIdHandedOut(tx: Transaction): Promise<number> {
  const [row] = await rowsOf<{ id: string | number | null }>(
    tx,
    sql`select pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'id')) as "id"`,
  );
  return Number(row?.id ?? 0);
}

async function transactionsWritingAuditRows(tx: Transaction): Promise<string[]> {
  const rows = await rowsOf<{ writer: string }>(
    tx,
    sql`select distinct "virtualtransaction" as "writer" from pg_locks
        where "locktype" = 'relation' and "mode" = 'RowExclusiveLock'
          and "database" = (select "oid" from pg_database where "datname" = current_database())
          and "relation" = 'audit_log'::regclass`,
  );
  return rows.map((row) => row.writer).sort();
}

/** Every transaction holds the lock on its own virtual transaction id for as long as it runs. */
async function anyStillRunning(tx: Transaction, writers: readonly string[]): Promise<boolean> {
  const rows = await rowsOf<{ running: boolean }>(
    tx,
    sql`select exists (
          select 1 from pg_locks where "locktype" = 'virtualxid' and "virtualxid" in ${writers}
        ) as "running"`,
  );
  return rows[0]?.running === true;
}
