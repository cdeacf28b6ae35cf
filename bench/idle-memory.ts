import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { unusedPort } from "@seed/db/testing";

const SERVER_MAIN = fileURLToPath(new URL("../apps/server/dist/main.js", import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
/** Long enough for the timers and the garbage collection that follow start-up to have run. */
const SETTLE_MS = 2_000;
/**
 * Long enough for V8's memory reducer, which shrinks the heap once allocation has stayed low
 * for a while: start-up grows the young generation to its largest (32 MiB), and the reducer
 * gave it back 15 to 25 s after the start in every run measured (bench/README.md).
 */
const REST_MS = 30_000;

export type IdleDatabase = "postgres" | "pglite (first start)" | "pglite (restart)";

export interface IdleMemory {
  database: IdleDatabase;
  /** From the start of the process until /readyz answered 200. */
  startMs: number;
  /** Resident memory 2 s after the server was ready. */
  startedRssBytes: number;
  /** Resident memory 30 s after the server was ready, at rest. */
  restingRssBytes: number;
}

/**
 * The resident memory of the built production server (`node apps/server/dist/main.js`), at rest
 * once started: on Postgres with Redis, as several instances run, and on the embedded PGlite
 * without Redis, the default. PGlite is measured twice on one data directory: the first start
 * creates the database (initdb), a restart opens the existing one.
 */
export async function measureIdleMemory(environment: {
  postgres: Record<string, string>;
  pglite: Record<string, string>;
}): Promise<IdleMemory[]> {
  const dataDir = await mkdtemp(join(tmpdir(), "seed-bench-pglite-"));
  try {
    const pglite = { ...environment.pglite, DATA_DIR: dataDir };
    return [
      await measureOne("postgres", environment.postgres),
      await measureOne("pglite (first start)", pglite),
      await measureOne("pglite (restart)", pglite),
    ];
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function measureOne(database: IdleDatabase, env: Record<string, string>): Promise<IdleMemory> {
  const port = await unusedPort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [SERVER_MAIN], {
    // Only what is given: the bench's own DATABASE_URL must not turn PGlite into Postgres.
    env: { PATH: process.env.PATH ?? "", ...env, HOST: "127.0.0.1", PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = once(child, "exit");
  try {
    await Promise.race([
      untilReady(`http://127.0.0.1:${port}/readyz`),
      exited.then(([code]) => Promise.reject(new Error(`the server exited (code ${code}) before it was ready`))),
    ]);
    const startMs = performance.now() - startedAt;
    await sleep(SETTLE_MS);
    const startedRssBytes = await residentBytes(child.pid!);
    await sleep(REST_MS - SETTLE_MS);
    return { database, startMs, startedRssBytes, restingRssBytes: await residentBytes(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

/** The server logs nothing at LOG_LEVEL=silent, so readiness is asked for. */
async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ready = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return;
    await sleep(READY_POLL_MS);
  }
  throw new Error(`${url} did not answer 200 within ${READY_TIMEOUT_MS} ms`);
}

/** What the kernel counts as the process's resident set (Linux). */
async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kibibytes = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kibibytes) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kibibytes) * 1024;
}
