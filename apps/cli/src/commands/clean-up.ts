import { deleteExpiredRecords, expiringRecords } from "@seed/core";
import type { Command } from "../command";
import { withDatabase } from "../database";
import { startProgress } from "../progress";

export const cleanUpCommand: Command = {
  usage: "",
  summary: "Delete expired sessions, tokens and temporary grants now (the nightly job does it too)",
  async run({ config, out }) {
    const progress = startProgress(out, "Cleaning up", expiringRecords.length);
    const counts = await withDatabase(config, ({ db }) =>
      deleteExpiredRecords(db, { onDeleted: (record, count) => progress.advance(`${record}: ${count} deleted`) }),
    );
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    out.write(`Deleted ${total} expired record${total === 1 ? "" : "s"}.\n`);
  },
};
