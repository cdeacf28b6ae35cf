import { spawn } from "node:child_process";
import { once } from "node:events";
import { Writable } from "node:stream";
import { loadConfig } from "@seed/config";
import pino from "pino";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../src/logger";

const repositoryRoot = new URL("../../../", import.meta.url);

async function run(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

const startMain = (env: Record<string, string>) => run("apps/server/src/main.ts", env);

describe("starting the server", () => {
  it("stops at once with one line naming a malformed variable", async () => {
    const { code, stderr } = await startMain({ PORT: "eighty" });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^Invalid configuration: PORT: /)]);
  });

  it("refuses to start in production without a secret", async () => {
    const { code, stderr } = await startMain({ NODE_ENV: "production" });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("Invalid configuration: JWT_SECRET: required in production");
  });
});

describe("pnpm db:seed", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "seed-cli-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("creates the first admin once, and is safe to run again", async () => {
    const env = { DATA_DIR: dataDir, ADMIN_EMAIL: "root@example.com", ADMIN_PASSWORD: "a long admin password" };
    // A small shop keeps this quick; the demo data has tests of its own.
    const small = ["--products", "20", "--customers", "1", "--orders", "1"];
    const first = await run("packages/api/src/cli/seed.ts", env, small);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain("first admin created");
    const second = await run("packages/api/src/cli/seed.ts", env, small);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain("first admin already-present");
  });
});

describe("pnpm keys:rotate", () => {
  it("adds a signing key, and refuses without a JWT_SECRET to seal it with", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "seed-keys-"));
    const secret = "k3J9x!Qz7#vL2mP8sR5tW1yB4nC6dF0gq";
    const rotated = await run("packages/api/src/cli/rotate-signing-key.ts", { DATA_DIR: dataDir, JWT_SECRET: secret });
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringMatching(/^New signing key [0-9a-f-]{36}\./) });
    const refused = await run("packages/api/src/cli/rotate-signing-key.ts", { DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      "Key rotation failed: JWT_SECRET is not set: the new key could not be opened later",
    );
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe("the log", () => {
  it("censors credentials wherever they appear", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const options = loggerOptions(loadConfig({ LOG_LEVEL: "info" }));
    const log = pino(options as pino.LoggerOptions, sink);
    log.info({
      req: { headers: { authorization: "Bearer secret-access", cookie: "seed_refresh=secret-cookie" } },
      res: { headers: { "set-cookie": "seed_refresh=secret-set-cookie" } },
      input: { password: "secret-password", refreshToken: "secret-refresh", accessToken: "secret-jwt" },
    });
    const [line] = lines;
    expect(line).toBeDefined();
    expect(line).not.toMatch(/secret-/);
    expect(line).toContain("[redacted]");
  });
});
