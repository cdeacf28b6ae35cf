import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "../src";
import { dumpEmbeddedDatabase, PGLITE_SNAPSHOT_ENV } from "../src/testing";

/**
 * Creating and migrating an embedded database costs seconds; it is done once here, and every
 * test file starts its own database from this snapshot.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const directory = await mkdtemp(join(tmpdir(), "seed-pglite-"));
  const connection = await createDatabase({ dataDir: ":memory:" });
  await connection.migrate();
  const snapshot = await dumpEmbeddedDatabase(connection);
  await connection.close();
  const path = join(directory, "migrated.tar");
  await writeFile(path, Buffer.from(await snapshot.arrayBuffer()));
  process.env[PGLITE_SNAPSHOT_ENV] = path;
  return () => rm(directory, { recursive: true, force: true });
}
