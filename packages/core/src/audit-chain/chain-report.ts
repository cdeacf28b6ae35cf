import { z } from "zod";

/** A seal's hash as it is written down outside the database: 64 lowercase hex digits. */
export const sealHashSchema = z.string().regex(/^[0-9a-f]{64}$/, "expected a seal hash: 64 lowercase hex digits");

/** The newest seal, and how much of the audit log waits for the next one. */
export const auditChainHeadSchema = z.object({
  /** The newest seal's sequence number; 0 before the first seal. */
  sequence: z.number().int(),
  /** The newest seal's hash: what a copy kept outside the database vouches for. */
  hash: z.string().nullable(),
  sealedAt: z.date().nullable(),
  /** The last audit id the chain covers. */
  sealedThroughRowId: z.number().int(),
  /** Audit rows written after it: not sealed yet, which is no error. */
  unsealedRows: z.number().int(),
});
export type AuditChainHead = z.infer<typeof auditChainHeadSchema>;

export const auditChainBreakKinds = [
  "row_changed",
  "row_deleted",
  "row_inserted",
  "seal_tampered",
  "seal_missing",
  "head_unknown",
] as const;

/** Where the chain first fails, and how. */
export const auditChainBreakSchema = z.object({
  kind: z.enum(auditChainBreakKinds),
  /** The seal that fails, or the one expected where a seal is missing. */
  sealSequence: z.number().int().nullable(),
  /** The first audit row that can no longer be vouched for. */
  rowId: z.number().int().nullable(),
  message: z.string(),
});
export type AuditChainBreak = z.infer<typeof auditChainBreakSchema>;

export const auditChainReportSchema = z.object({
  intact: z.boolean(),
  /** Seals found sound, from the first one on. */
  sealsVerified: z.number().int(),
  /** The audit rows those seals cover: ids 1 to this one. */
  verifiedThroughRowId: z.number().int(),
  head: auditChainHeadSchema,
  firstBreak: auditChainBreakSchema.nullable(),
});
export type AuditChainReport = z.infer<typeof auditChainReportSchema>;
