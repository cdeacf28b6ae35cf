import { sealHashSchema, verifyAuditChain } from "@seed/core";
import { CommandError, type Command } from "../command";
import { withDatabase } from "../database";
import { describeHead } from "./audit-chain-output";

export const verifyAuditCommand: Command = {
  usage: "[<seal hash>]",
  summary: "Verify the audit log's hash chain; name the first row that was changed, deleted or inserted",
  async run({ config, args, out }) {
    const [expectedHash, ...extra] = args;
    if (extra.length > 0 || (expectedHash !== undefined && !sealHashSchema.safeParse(expectedHash).success)) {
      throw new CommandError("expected at most one argument: a seal hash (64 hex digits) kept outside the database");
    }
    const report = await withDatabase(config, ({ db }) => verifyAuditChain(db, { expectedHash }));
    if (report.sealsVerified > 0) {
      out.write(`Seals 1 to ${report.sealsVerified} are sound: audit rows 1 to ${report.verifiedThroughRowId}.\n`);
    }
    if (report.firstBreak) {
      const { rowId, message } = report.firstBreak;
      throw new CommandError(`the audit chain is broken${rowId === null ? "" : ` from row ${rowId} on`}: ${message}`);
    }
    out.write(describeHead(report.head));
  },
};
