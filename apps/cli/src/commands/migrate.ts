import type { Command } from "../command";
import { withDatabase } from "../database";

export const migrateCommand: Command = {
  usage: "",
  summary: "Bring the database schema to the latest migration",
  async run({ config, out }) {
    const database = await withDatabase(config, async (connection) => connection.description);
    out.write(`Migrated ${database}.\n`);
  },
};
