import { loadConfig, loadEnvFileIfPresent } from "@seed/config";
import { createDatabase } from "../client";

loadEnvFileIfPresent();
const config = loadConfig();
const connection = await createDatabase({
  url: config.database.url,
  dataDir: config.database.dataDir,
  whenInUse: "connect-through-owner",
});
try {
  await connection.migrate();
  console.log(`Migrated ${connection.description}.`);
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
