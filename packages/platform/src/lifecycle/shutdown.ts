import type { Logger } from "../logging/logger";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 when it completed, 1 when it failed or
 * was still running after `timeoutMs` (a platform kills the process soon after anyway).
 */
export function stopOnSignals(stop: () => Promise<void>, options: { timeoutMs: number; log: Logger }): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.log.info({ signal }, "shutting down");
    const deadline = setTimeout(() => {
      options.log.error("shutdown deadline passed, exiting with work still running");
      process.exit(1);
    }, options.timeoutMs);
    deadline.unref();
    try {
      await stop();
      process.exit(0);
    } catch (error) {
      options.log.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.once("SIGTERM", (signal) => void shutdown(signal));
  process.once("SIGINT", (signal) => void shutdown(signal));
}
