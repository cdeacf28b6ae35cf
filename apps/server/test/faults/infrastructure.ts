/*
 * Postgres and Redis of the drill's own, in a temporary directory and on free ports, so that
 * stopping them never touches the services other processes on the machine depend on.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chownSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const POSTGRES_BIN = process.env.POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";

/** Postgres refuses to run as root, so as root its commands run as the `postgres` user. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

export interface Service {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function ownPostgres(workDir: string, port: number): Service {
  const dataDir = join(workDir, "postgres");
  // Asynchronous, so that the load goes on while Postgres stops and starts.
  const pgCtl = async (...args: string[]) => {
    const [command, argv] = asPostgresUser(join(POSTGRES_BIN, "pg_ctl"), ["-D", dataDir, ...args]);
    await promisify(execFile)(command, argv);
  };
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    chownSync(workDir, uidOf("postgres"), -1);
    chownSync(dataDir, uidOf("postgres"), -1);
  }
  const [command, argv] = asPostgresUser(join(POSTGRES_BIN, "initdb"), [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--no-sync",
  ]);
  execFileSync(command, argv, { stdio: "ignore" });
  const options = `-p ${port} -k ${workDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => pgCtl("-o", options, "-l", join(workDir, "postgres.log"), "-w", "start"),
    // "fast" ends the sessions of connected clients, as a crash or failover would.
    stop: () => pgCtl("-m", "fast", "-w", "stop"),
  };
}

function uidOf(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

export function ownRedis(workDir: string, port: number): Service {
  let process_: ChildProcess | null = null;
  const log = join(workDir, "redis.log");
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const output = openSync(log, "a");
      process_ = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: ["ignore", output, output] },
      );
      await waitFor(`Redis on ${port}`, async () => {
        try {
          return (
            execFileSync("redis-cli", ["-p", String(port), "ping"], { stdio: ["ignore", "pipe", "ignore"] })
              .toString()
              .trim() === "PONG"
          );
        } catch {
          return false;
        }
      });
    },
    async stop() {
      if (!process_) return;
      const exited = once(process_, "exit");
      process_.kill("SIGTERM");
      await exited;
      process_ = null;
    },
  };
}

const POLL_INTERVAL_MS = 100;

/** Polls a condition until it holds, or fails naming what never came. */
export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
