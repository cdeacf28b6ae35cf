import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerMessage, ServerMessage } from "./server-protocol";
import type { ServerVariant } from "./server-variants";

// Built by `buildServers`, like the server itself: the bench measures the JavaScript production runs.
const SERVER_PROCESS = fileURLToPath(new URL("./dist/server-process.js", import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
/**
 * Without a profile to write, nothing is left to wait for once the figures are read: a server
 * still draining a backlog the load left (place order leaves about 100 orders queued on
 * Postgres, 15 s of work) is killed sooner.
 */
const STOP_TIMEOUT_WITHOUT_PROFILE_MS = 3_000;

/** A folder of its own for one process's profiles: `--cpu-prof` writes one profile per thread. */
export interface CpuProfileTarget {
  dir: string;
}

export interface LoadReport {
  rssBytes: number;
  cpuMicros: number;
  loadWindowMicros: { start: number; end: number };
}

/** The runner's side of one server process. */
export interface ServerProcess {
  /** Where the server listens, e.g. `http://127.0.0.1:41234`. */
  baseUrl: string;
  loadStarted(): void;
  /** Ends the load window and reads the server's memory right after it. */
  loadFinished(): Promise<LoadReport>;
  /** Resolves once the process has exited (and written its CPU profile, if it keeps one). */
  stop(): Promise<void>;
}

/**
 * Builds apps/server (dist/main.js, what production runs) and this bench's server process (the
 * same server with the variants of server-variants.ts, bundled the same way) from the sources
 * as they are now.
 */
export function buildServers(): void {
  execFileSync("pnpm", ["--filter", "@seed/server", "--filter", "@seed/bench", "build"], { stdio: "inherit" });
}

/** The profile of the main thread, whose thread id is 0 in Node's default profile names. */
export async function mainThreadProfile(target: CpuProfileTarget): Promise<string> {
  const main = (await readdir(target.dir)).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  if (!main) throw new Error(`no main-thread profile in ${target.dir}`);
  return join(target.dir, main);
}

export async function startServerProcess(
  variant: ServerVariant,
  env: Record<string, string>,
  cpuProfile: CpuProfileTarget | null,
): Promise<ServerProcess> {
  const profileFlags = cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfile.dir}`] : [];
  const child = fork(SERVER_PROCESS, [variant], {
    execArgv: profileFlags,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const send = (message: RunnerMessage) => child.send(message);

  try {
    const listening = await nextMessage(child, "listening", START_TIMEOUT_MS);
    return {
      baseUrl: listening.url,
      loadStarted: () => send({ type: "load-started" }),
      async loadFinished() {
        const report = nextMessage(child, "load-report", STOP_TIMEOUT_MS);
        send({ type: "load-finished" });
        return report;
      },
      stop: () =>
        stopProcess(
          child,
          () => send({ type: "stop" }),
          cpuProfile ? STOP_TIMEOUT_MS : STOP_TIMEOUT_WITHOUT_PROFILE_MS,
        ),
    };
  } catch (error) {
    await stopProcess(child, () => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    throw error;
  }
}

function nextMessage<T extends ServerMessage["type"]>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => settle(new Error(`server process sent no "${type}" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: ServerMessage) => {
      if (message.type === type) settle(null, message as Extract<ServerMessage, { type: T }>);
    };
    const onExit = (code: number | null) => settle(new Error(`server process exited (code ${code}) before "${type}"`));
    function settle(error: Error | null, message?: Extract<ServerMessage, { type: T }>) {
      clearTimeout(timer);
      child.off("message", onMessage).off("exit", onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on("message", onMessage).on("exit", onExit);
  });
}

async function stopProcess(child: ChildProcess, askToStop: () => void, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  askToStop();
  const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(deadline);
}
