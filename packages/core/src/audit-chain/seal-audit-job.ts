import { z } from "zod";
import { defineJob } from "../jobs/job-definition";
import { readChainHead } from "./chain-head";
import { sealAuditLog } from "./seal-audit-log";

/**
 * Seals the audit rows written since the last run (AUDIT_SEAL_CRON), then logs the chain's head
 * on every run, sealed or not: the log, kept outside the database, then vouches for the chain.
 */
export const sealAuditJob = defineJob({
  payload: z.object({}),
  async run({ db, log }) {
    const seals = await sealAuditLog(db);
    const head = await readChainHead(db);
    log.info(
      {
        newSeals: seals.length,
        headSeal: head.sequence,
        headHash: head.hash,
        sealedThroughRowId: head.sealedThroughRowId,
        unsealedRows: head.unsealedRows,
      },
      "audit chain head",
    );
  },
});
