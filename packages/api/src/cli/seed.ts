import { loadConfig } from "@seed/config";
import { createDatabase } from "@seed/db";
import { bootstrap } from "../bootstrap";
import { configurePasswordHashing } from "../services/passwords";

const config = loadConfig();
configurePasswordHashing(config.auth.passwordHashing);
const connection = await createDatabase({ url: config.database.url, dataDir: config.database.dataDir });
const log = { debug: () => {}, info: () => {}, warn: console.warn, error: console.error } as never;
try {
  await connection.migrate();
  const outcome = await bootstrap({ db: connection.db, log }, config.firstAdmin);
  console.log(`Seeded the ${connection.driver} database: roles and permissions in place, first admin ${outcome}.`);
} catch (error) {
  console.error(`Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
