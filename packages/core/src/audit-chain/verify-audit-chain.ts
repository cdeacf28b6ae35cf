import { auditSeals, type AuditSeal, type Database } from "@seed/db";
import { and, asc, gt, lte } from "drizzle-orm";
import { readChainHead } from "./chain-head";
import type { AuditChainBreak, AuditChainReport } from "./chain-report";
import { rowDigestsAfter, type RowDigest } from "./row-digests";
import { GENESIS_HASH, sealHash } from "./seal-hash";

const SEALS_PER_PAGE = 200;
const ROWS_PER_PAGE = 5000;

export interface VerifyOptions {
  /**
   * A seal hash kept outside the database (from the logs or the metrics): the chain must pass
   * through it, which it no longer does when seals were cut off its end or rewritten.
   */
  expectedHash?: string | undefined;
}

/**
 * Checks the chain from the first seal to the newest: each seal follows the one before, its hash
 * matches its content, and the audit rows in its range are exactly the ones it sealed, unchanged.
 * Stops at the first failure and names it. Rows after the newest seal are only counted: sealed
 * rows are final, so nothing here needs a snapshot, and a sealer may run meanwhile.
 */
export async function verifyAuditChain(db: Database, options: VerifyOptions = {}): Promise<AuditChainReport> {
  const head = await readChainHead(db);
  const rows = rowReader(db);
  let previousHash = GENESIS_HASH;
  let verifiedThroughRowId = 0;
  let sealsVerified = 0;
  let passesExpected = options.expectedHash === undefined;
  const result = (firstBreak: AuditChainBreak | null): AuditChainReport => ({
    intact: firstBreak === null,
    sealsVerified,
    verifiedThroughRowId,
    head,
    firstBreak,
  });

  for await (const seal of sealsThrough(db, head.sequence)) {
    const expected = { sequence: sealsVerified + 1, previousHash, afterId: verifiedThroughRowId };
    const found = sealBreak(seal, expected) ?? rowBreak(seal, await rows.through(seal.lastRowId));
    if (found) return result(found);
    sealsVerified += 1;
    previousHash = seal.hash;
    verifiedThroughRowId = seal.lastRowId;
    if (seal.hash === options.expectedHash) passesExpected = true;
  }
  if (!passesExpected) {
    return result({
      kind: "head_unknown",
      sealSequence: null,
      rowId: null,
      message: `No seal has the hash ${options.expectedHash}: seals were cut off the end of the chain or rewritten`,
    });
  }
  return result(null);
}

async function* sealsThrough(db: Database, lastSequence: number): AsyncGenerator<AuditSeal> {
  let after = 0;
  while (after < lastSequence) {
    const page = await db
      .select()
      .from(auditSeals)
      .where(and(gt(auditSeals.sequence, after), lte(auditSeals.sequence, lastSequence)))
      .orderBy(asc(auditSeals.sequence))
      .limit(SEALS_PER_PAGE);
    if (page.length === 0) return;
    yield* page;
    after = page.at(-1)!.sequence;
  }
}

/** The audit rows in id order, handed out in consecutive ranges. */
function rowReader(db: Database) {
  let buffered: RowDigest[] = [];
  let readThrough = 0;
  let exhausted = false;
  return {
    /** The rows after those already handed out, up to `lastId`. */
    async through(lastId: number): Promise<RowDigest[]> {
      while (!exhausted && readThrough < lastId) {
        const page = await rowDigestsAfter(db, readThrough, ROWS_PER_PAGE);
        exhausted = page.length < ROWS_PER_PAGE;
        readThrough = page.at(-1)?.id ?? readThrough;
        buffered.push(...page);
      }
      const end = buffered.findIndex((row) => row.id > lastId);
      const taken = end === -1 ? buffered : buffered.slice(0, end);
      buffered = end === -1 ? [] : buffered.slice(end);
      return taken;
    },
  };
}

/** What is wrong with the seal itself: out of its place in the chain, or not matching its own content. */
function sealBreak(
  seal: AuditSeal,
  expected: { sequence: number; previousHash: string; afterId: number },
): AuditChainBreak | null {
  const firstRowId = expected.afterId + 1;
  if (seal.sequence !== expected.sequence) {
    return {
      kind: "seal_missing",
      sealSequence: expected.sequence,
      rowId: firstRowId,
      message: `Seal ${expected.sequence} is missing: the chain goes from seal ${expected.sequence - 1} to seal ${seal.sequence}`,
    };
  }
  const tampered = (why: string): AuditChainBreak => ({
    kind: "seal_tampered",
    sealSequence: seal.sequence,
    rowId: firstRowId,
    message: `Seal ${seal.sequence} (audit rows ${seal.firstRowId} to ${seal.lastRowId}) ${why}`,
  });
  if (seal.previousHash !== expected.previousHash || seal.firstRowId !== firstRowId) {
    return tampered(`does not follow seal ${seal.sequence - 1}`);
  }
  const rows = sealedRows(seal);
  if (rows.length !== seal.rowDigests.length || sealHash({ ...seal, rows }) !== seal.hash) {
    return tampered("does not match its own hash: the seal was changed");
  }
  return null;
}

/** The first difference between the rows a seal sealed and the rows now in its range. */
function rowBreak(seal: AuditSeal, present: readonly RowDigest[]): AuditChainBreak | null {
  const sealed = sealedRows(seal);
  const found = (kind: AuditChainBreak["kind"], rowId: number, what: string): AuditChainBreak => ({
    kind,
    sealSequence: seal.sequence,
    rowId,
    message: `Audit row ${rowId} ${what}`,
  });
  for (let s = 0, p = 0; s < sealed.length || p < present.length;) {
    const sealedRow = sealed[s];
    const presentRow = present[p];
    if (sealedRow && presentRow && sealedRow.id === presentRow.id) {
      if (sealedRow.digest !== presentRow.digest) {
        return found("row_changed", presentRow.id, `was changed after seal ${seal.sequence} sealed it`);
      }
      s += 1;
      p += 1;
    } else if (presentRow && (!sealedRow || presentRow.id < sealedRow.id)) {
      return found(
        "row_inserted",
        presentRow.id,
        `was inserted into the range of seal ${seal.sequence} after it was sealed`,
      );
    } else {
      return found("row_deleted", sealedRow!.id, `was deleted after seal ${seal.sequence} sealed it`);
    }
  }
  return null;
}

function sealedRows(seal: AuditSeal): RowDigest[] {
  return seal.rowIds.map((id, index) => ({ id, digest: seal.rowDigests[index] ?? "" }));
}
