import { createHash } from "node:crypto";
import type { RowDigest } from "./row-digests";

/** What the first seal chains to. */
export const GENESIS_HASH = "0".repeat(64);

/** What a seal's hash is made of. */
export interface SealContent {
  sequence: number;
  previousHash: string;
  firstRowId: number;
  lastRowId: number;
  /** The rows present in the range, in id order. */
  rows: readonly RowDigest[];
}

function uint64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

/**
 * SHA-256 of the previous seal's hash, this seal's sequence number and range, then each row's id
 * and digest, in id order; hex. Every input has a fixed width, so no two contents encode alike.
 * A row enters as the digest of its canonical encoding rather than the encoding itself, so that
 * the seal can keep each row's digest and a verification can name the row that changed; the
 * digest is as binding as the encoding it stands for.
 */
export function sealHash(content: SealContent): string {
  const hash = createHash("sha256")
    .update(Buffer.from(content.previousHash, "hex"))
    .update(uint64(content.sequence))
    .update(uint64(content.firstRowId))
    .update(uint64(content.lastRowId));
  for (const row of content.rows) hash.update(uint64(row.id)).update(Buffer.from(row.digest, "hex"));
  return hash.digest("hex");
}
