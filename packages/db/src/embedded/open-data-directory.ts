import { PGlite } from "@electric-sql/pglite";
import type { DatabaseConnection, WhenDataDirectoryInUse } from "../connection";
import { pgliteConnection } from "../pglite-connection";
import { DataDirectoryInUseError } from "./data-directory";
import { createDatabaseFilesIfMissing } from "./first-start";
import { claimDataDirectory } from "./ownership";
import { serveDatabase } from "./wire-server";

/**
 * Opens the embedded database kept in `dataDir`, which only one process may hold open. The first
 * to come claims the directory, opens it and serves it on its socket; a later one either refuses
 * or works through the owner with the ordinary Postgres driver, on the same data.
 */
export async function openDataDirectory(
  dataDir: string,
  whenInUse: WhenDataDirectoryInUse,
): Promise<DatabaseConnection> {
  const claim = await claimDataDirectory(dataDir);
  if (!claim.owned) {
    if (whenInUse === "refuse") throw new DataDirectoryInUseError(dataDir, claim.owner);
    const { openPostgres } = await import("../postgres-connection");
    const through = claim.owner ? `process ${claim.owner.pid}` : "its owner";
    // One connection, as the owner runs one transaction at a time anyway.
    return openPostgres({ socketPath: claim.socketPath }, 1, `the embedded database in ${dataDir}, through ${through}`);
  }
  const opening = createDatabaseFilesIfMissing(dataDir).then(() => PGlite.create(dataDir));
  const served = serveDatabase(claim.server, opening);
  let client: PGlite;
  try {
    client = await opening;
  } catch (error) {
    await served.stop();
    await claim.release();
    throw error;
  }
  return pgliteConnection(client, `the embedded database in ${dataDir}`, async () => {
    // The claim is let go of last: nobody else may open the files before they are closed here.
    await served.stop();
    await client.close();
    await claim.release();
  });
}
