import { readChainHead, sealAuditLog } from "@seed/core";
import type { Command } from "../command";
import { withDatabase } from "../database";
import { describeHead, rows } from "./audit-chain-output";

export const sealAuditCommand: Command = {
  usage: "",
  summary: "Seal the audit rows written since the last seal now (the job on AUDIT_SEAL_CRON does it too)",
  async run({ config, out }) {
    const { seals, head } = await withDatabase(config, async ({ db }) => {
      const seals = await sealAuditLog(db);
      return { seals, head: await readChainHead(db) };
    });
    const sealed = seals.reduce((sum, seal) => sum + seal.rowIds.length, 0);
    out.write(
      seals.length === 0
        ? "Nothing new to seal.\n"
        : `Sealed ${rows(sealed)} in ${seals.length} seal${seals.length === 1 ? "" : "s"}.\n`,
    );
    out.write(describeHead(head));
  },
};
