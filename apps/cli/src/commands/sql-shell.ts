import { spawn } from "node:child_process";
import { once } from "node:events";
import { CommandError, type Command } from "../command";
import { withDatabase } from "../database";

export const sqlShellCommand: Command = {
  usage: "",
  summary: "Open psql on the database; the embedded one through the server that runs it, if one does",
  async run({ config }) {
    // Without a running server this process owns the embedded database, and serves it to psql,
    // for as long as psql runs.
    const code = await withDatabase(config, () =>
      runPsql(config.database.url ? [config.database.url] : ["-h", config.database.dataDir, "-U", "postgres"]),
    );
    if (code !== 0) throw new CommandError(`psql exited with code ${code}`);
  },
};

async function runPsql(args: string[]): Promise<number> {
  const psql = spawn("psql", args, { stdio: "inherit" });
  const [outcome] = await Promise.race([once(psql, "exit"), once(psql, "error")]);
  if (outcome instanceof Error) {
    const missing = (outcome as NodeJS.ErrnoException).code === "ENOENT";
    throw new CommandError(
      missing
        ? "psql is not installed: install PostgreSQL's client (Debian: apt-get install postgresql-client; macOS: brew install libpq)"
        : outcome.message,
    );
  }
  return (outcome as number | null) ?? 1;
}
