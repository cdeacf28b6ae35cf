import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { access, readdir, rename, rm, rmdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { DataDirectoryError, OWN_ENTRIES } from "./data-directory";

const VERSION_FILE = "PG_VERSION";
/**
 * Where a child process builds the new database, one folder per attempt: a child left running by
 * an owner that was killed keeps writing into its own, which the next start deletes unfinished.
 */
const BUILDING = ".initialising";
/** A finished new database, renamed from an attempt's folder, whose files are being moved into place. */
const BUILT = ".new";

/**
 * Gives `dataDir`, which this process has claimed, a database when it has none yet.
 *
 * `initdb` would leave hundreds of MiB behind in the process that runs it, so a short-lived child
 * process runs it, and the long-lived one opens the result as it would on a restart. The result
 * only becomes the database once whole: it is built aside, renamed as finished, and its files are
 * moved in with PG_VERSION, the file that tells PGlite a database exists, last. Killed at any
 * step, the next start finishes the move or starts over, and never opens half a database.
 */
export async function createDatabaseFilesIfMissing(dataDir: string): Promise<void> {
  if (await exists(join(dataDir, VERSION_FILE))) return;
  const built = join(dataDir, BUILT);
  if (!(await exists(built))) {
    const entries = await readdir(dataDir);
    const unfinished = entries.filter((entry) => entry.startsWith(BUILDING));
    for (const entry of unfinished) await rm(join(dataDir, entry), { recursive: true, force: true });
    const foreign = entries.filter((entry) => !OWN_ENTRIES.has(entry) && !unfinished.includes(entry));
    if (foreign.length > 0) {
      throw new DataDirectoryError(
        `DATA_DIR (${dataDir}) holds files that are not a database (${foreign.slice(0, 3).join(", ")}); point it at an empty or new folder`,
      );
    }
    const building = join(dataDir, `${BUILDING}-${randomUUID()}`);
    await initialiseInChildProcess(building);
    await rename(building, built);
  }
  const files = await readdir(built);
  for (const file of files.filter((name) => name !== VERSION_FILE))
    await rename(join(built, file), join(dataDir, file));
  await rename(join(built, VERSION_FILE), join(dataDir, VERSION_FILE));
  await rmdir(built);
}

const pgliteModule = createRequire(import.meta.url).resolve("@electric-sql/pglite");
const INITIALISE = `
const { PGlite } = require(process.argv[1]);
PGlite.create(process.argv[2]).then((pg) => pg.close()).catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});`;

async function initialiseInChildProcess(directory: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, ["-e", INITIALISE, pgliteModule, directory]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new DataDirectoryError(`could not create the embedded database in ${directory}: ${stderr || String(error)}`);
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
