import { ConfigError, loadConfig, type Config } from "@seed/config";
import { createServer } from "./server";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const server = await createServer(config);
await server.start();

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.app.log.info({ signal }, "shutting down");
  const deadline = setTimeout(() => {
    server.app.log.error("shutdown deadline passed, exiting with requests still open");
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  try {
    await server.stop();
    process.exit(0);
  } catch (error) {
    server.app.log.error({ err: error }, "shutdown failed");
    process.exit(1);
  }
}

process.once("SIGTERM", (signal) => void shutdown(signal));
process.once("SIGINT", (signal) => void shutdown(signal));
