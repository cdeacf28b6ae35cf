import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import { writeSqlDump } from "@seed/db";
import { requiredArgument, type Command } from "../command";
import { withDatabase } from "../database";

export const dumpCommand: Command = {
  usage: "<file>",
  summary: "Write the database as SQL that psql restores into an empty PostgreSQL 15 or later",
  async run(io) {
    const path = requiredArgument(io, "the file to write");
    const file = createWriteStream(path, { flags: "wx", mode: 0o600 });
    await once(file, "open");
    const write = async (text: string) => {
      if (!file.write(text)) await once(file, "drain");
    };
    let dumped;
    try {
      dumped = await withDatabase(io.config, async (connection) => ({
        database: connection.description,
        summary: await writeSqlDump(connection.db, write),
      }));
      file.end();
      await finished(file);
    } catch (error) {
      // Half a dump would restore as a smaller database without a word: none is left behind.
      file.destroy();
      await rm(path, { force: true });
      throw error;
    }
    const { database, summary } = dumped;
    io.out.write(`Wrote ${summary.rows} rows of ${summary.tables} tables from ${database} to ${path}.\n`);
    io.out.write(`Restore it with: psql -v ON_ERROR_STOP=1 --single-transaction -f ${path} <database url>\n`);
  },
};
