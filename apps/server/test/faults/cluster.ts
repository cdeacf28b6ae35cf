/*
 * Server instances run as processes of their own (so that one can be killed outright), and a
 * steady load on them whose every answer is recorded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unusedPort } from "@seed/db/testing";
import { waitFor } from "./infrastructure";

const REPOSITORY = fileURLToPath(new URL("../../../../", import.meta.url));

export interface Instance {
  name: string;
  baseUrl: string;
  start(): Promise<void>;
  /** Ends the process without letting it finish anything: SIGKILL. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** The process is up (it may still be starting). */
  isRunning(): boolean;
  /** Started, ready once, and neither killed nor stopped since: its answers count. */
  isServing(): boolean;
}

export async function serverInstance(name: string, workDir: string, env: Record<string, string>): Promise<Instance> {
  const port = await unusedPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let serving = false;
  const end = async (signal: NodeJS.Signals) => {
    serving = false;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill(signal);
    await exited;
  };
  return {
    name,
    baseUrl,
    async start() {
      const logFile = join(workDir, `${name}.log`);
      const log = openSync(logFile, "a");
      child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
        cwd: REPOSITORY,
        env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
        stdio: ["ignore", log, log],
      });
      const started = child;
      await waitFor(
        `${name} ready`,
        async () => {
          // A process that gave up starting is not waited for.
          if (started.exitCode !== null) {
            const said = readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join("\n");
            throw new Error(`${name} exited with code ${started.exitCode}:\n${said}`);
          }
          return (await status(`${baseUrl}/readyz`)) === 200;
        },
        60_000,
      );
      serving = true;
    },
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
    isRunning: () => child !== null && child.exitCode === null && child.signalCode === null,
    isServing: () => serving,
  };
}

/** The HTTP status of a GET, or 0 when nothing answered. */
export async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export interface Answer {
  status: number;
  message: string | null;
  data: unknown;
  ms: number;
}

/** One tRPC call over HTTP; status 0 when the connection failed. `ip` is sent as the proxied client. */
export async function call(
  instance: Instance,
  path: string,
  input: unknown,
  options: { token?: string; ip?: string; mutation?: boolean } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  const body = JSON.stringify({ json: input });
  const started = performance.now();
  try {
    const response = options.mutation
      ? await fetch(`${instance.baseUrl}/trpc/${path}`, { method: "POST", headers, body })
      : await fetch(`${instance.baseUrl}/trpc/${path}?input=${encodeURIComponent(body)}`, { headers });
    const parsed = (await response.json()) as {
      result?: { data: { json: unknown } };
      error?: { json: { message: string } };
    };
    return {
      status: response.status,
      message: parsed.error?.json.message ?? null,
      data: parsed.result?.data.json,
      ms: performance.now() - started,
    };
  } catch {
    return { status: 0, message: null, data: undefined, ms: performance.now() - started };
  }
}

export interface LoadRecord extends Answer {
  phase: string;
  instance: string;
  procedure: string;
}

/**
 * A steady stream of calls, spread over the instances: an anonymous one and a signed-in one in
 * turn. Every answer is kept with the phase it was given in.
 */
export function steadyLoad(instances: Instance[], token: string, intervalMs = 25) {
  const records: LoadRecord[] = [];
  let phase = "warm-up";
  let turn = 0;
  let running = true;
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    while (running) {
      const instance = instances[turn % instances.length]!;
      // Each instance gets anonymous and signed-in calls in turn.
      const signedIn = Math.floor(turn / instances.length) % 2 === 1;
      const procedure = signedIn ? "auth.me" : "health.check";
      const sentIn = phase;
      turn += 1;
      if (instance.isServing()) {
        const request = call(instance, procedure, undefined, signedIn ? { token } : {}).then((answer) => {
          if (instance.isServing()) records.push({ ...answer, phase: sentIn, instance: instance.name, procedure });
        });
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    records,
    enter(next: string) {
      phase = next;
    },
    async stop() {
      running = false;
      await loop;
      await Promise.all(inFlight);
    },
  };
}
