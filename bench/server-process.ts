/**
 * One server under load, in a process of its own so that its CPU, memory and profile are its
 * own. Usage (by the runner, over `fork`): server-process.ts <variant>, configured by the env.
 */
import { loadConfig } from "@seed/config";
import type { RunnerMessage, ServerMessage } from "./server-protocol";
import { isServerVariant, serverVariants } from "./server-variants";

const variant = process.argv[2];
if (!isServerVariant(variant)) throw new Error(`unknown server variant "${variant}"`);
if (!process.send) throw new Error("server-process.ts runs under the bench runner, with an IPC channel");

const send = (message: ServerMessage) => process.send!(message);
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
const cpuTotal = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

const server = await serverVariants[variant](loadConfig());
send({ type: "listening", url: await server.start() });

let loadStartMicros = 0;
let cpuAtLoadStart = process.cpuUsage();
process.on("message", (message: RunnerMessage) => {
  switch (message.type) {
    case "load-started":
      loadStartMicros = monotonicMicros();
      cpuAtLoadStart = process.cpuUsage();
      break;
    case "load-finished":
      send({
        type: "load-report",
        rssBytes: process.memoryUsage().rss,
        cpuMicros: cpuTotal(process.cpuUsage(cpuAtLoadStart)),
        loadWindowMicros: { start: loadStartMicros, end: monotonicMicros() },
      });
      break;
    case "stop":
      // A normal exit is what makes `--cpu-prof` write its profile.
      void server.stop().then(() => process.exit(0));
      break;
  }
});
