import { stopOnSignals } from "@seed/platform";
import { loadConfigOrExit, loadEnvFileIfPresent } from "@seed/config";
import { DataDirectoryError } from "@seed/db";
import { createServer } from "./server";

loadEnvFileIfPresent();
const config = loadConfigOrExit();
const server = await createServer(config).catch((error: unknown) => {
  // Another process on the data directory is the operator's to resolve: one line says how.
  if (!(error instanceof DataDirectoryError)) throw error;
  console.error(`Cannot start: ${error.message}`);
  process.exit(1);
});
await server.start();
stopOnSignals(() => server.stop(), { timeoutMs: config.shutdownTimeoutMs, log: server.app.log });
