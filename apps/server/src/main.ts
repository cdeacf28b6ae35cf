import { stopOnSignals } from "@seed/api";
import { loadConfigOrExit } from "@seed/config";
import { createServer } from "./server";

const config = loadConfigOrExit();
const server = await createServer(config);
await server.start();
stopOnSignals(() => server.stop(), { timeoutMs: config.shutdownTimeoutMs, log: server.app.log });
