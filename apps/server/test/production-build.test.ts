import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOfItsOwn } from "./support/app-build";

const SERVER_DIR = fileURLToPath(new URL("..", import.meta.url));
const REPOSITORY_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

/** Resolves with the server's URL once it says it listens; rejects if it exits first. */
async function listeningUrl(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the built server exited (code ${code}) before listening`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const url = LISTENING.exec(line)?.[1];
      if (url) return url;
    }
    throw new Error("the built server closed its output before listening");
  })();
  const url = await Promise.race([listening, exited]);
  // Keeps reading what it logs afterwards, so that a full pipe never blocks it.
  child.stdout!.resume();
  return url;
}

describe.runIf(process.env.DATABASE_URL)("the production build", () => {
  let outDir: string;
  let database: TestDatabase;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    [database, outDir] = await Promise.all([
      createTestDatabase("postgres"),
      buildOfItsOwn(SERVER_DIR, "production-build-test"),
    ]);
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    await database?.destroy();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it("runs under plain node on Postgres, answers readiness and tRPC, and exits cleanly on SIGTERM", async () => {
    server = spawn(process.execPath, [join(outDir, "main.js")], {
      cwd: REPOSITORY_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        JWT_SECRET: randomBytes(48).toString("base64url"),
        DATABASE_URL: database.url!,
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    server.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const baseUrl = await listeningUrl(server);

    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    const health = await fetch(`${baseUrl}/trpc/health.check`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ result: { data: { json: { status: "ok" } } } });
    // Production's own headers (the rest: security-headers.test.ts).
    expect(health.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains; preload");

    const exited = once(server, "exit");
    server.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    expect(stderr).toBe("");
  });
});
