import { sql } from "drizzle-orm";
import { bigint, boolean, check, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The hash chain over the audit log: each seal covers the audit rows with ids from `first_row_id`
 * to `last_row_id` (a contiguous range, gaps included) and chains to the seal before it through
 * `previous_hash`. The per-row digests let a verification name the row that changed. Append-only:
 * a trigger (see the migration) refuses UPDATE, DELETE and TRUNCATE. `sequence` and
 * `previous_hash` are unique, so two sealers can never both extend the same seal (a fork).
 * How the hash is made: packages/core/src/audit-chain/seal-hash.ts.
 */
export const auditSeals = pgTable(
  "audit_seals",
  {
    sequence: bigint("sequence", { mode: "number" }).primaryKey(),
    previousHash: text("previous_hash").notNull().unique(),
    hash: text("hash").notNull(),
    firstRowId: bigint("first_row_id", { mode: "number" }).notNull(),
    lastRowId: bigint("last_row_id", { mode: "number" }).notNull(),
    /** The ids of the rows present in the range, ascending; the ids between them were never committed. */
    rowIds: bigint("row_ids", { mode: "number" }).array().notNull(),
    /** SHA-256 of each row's canonical encoding, hex, in the order of `row_ids`. */
    rowDigests: text("row_digests").array().notNull(),
    sealedAt: timestamp("sealed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check("audit_seals_sequence_positive", sql`${table.sequence} >= 1`),
    check("audit_seals_range_ordered", sql`${table.firstRowId} <= ${table.lastRowId}`),
  ],
);

export type AuditSeal = typeof auditSeals.$inferSelect;

/**
 * Where the sealer has got to in proving audit ids final (see
 * packages/core/src/audit-chain/sealing-horizon.ts): one row, rewritten as it moves. It is
 * bookkeeping, not evidence: what it says is checked again by every verification of the chain.
 */
export const auditSealHorizon = pgTable(
  "audit_seal_horizon",
  {
    singleton: boolean("singleton").primaryKey().default(true),
    /** Every audit id up to this one is committed or will never be. */
    settledThrough: bigint("settled_through", { mode: "number" }).notNull(),
    /** The last id handed out when `pending_writers` were seen writing; settled once they have all ended. */
    pendingThrough: bigint("pending_through", { mode: "number" }),
    /** Virtual transaction ids of the transactions then writing audit rows. */
    pendingWriters: text("pending_writers").array(),
  },
  (table) => [check("audit_seal_horizon_one_row", sql`${table.singleton}`)],
);
