import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { loadConfig } from "@seed/config";
import pino from "pino";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../src/logger";
import { runCli, runScript } from "./support/run-script";

const startMain = (env: Record<string, string>) => runScript("apps/server/src/main.ts", [], env);

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

  it("refuses to start in production on a Stripe test key, which would take no money", async () => {
    const { code, stderr } = await startMain({
      NODE_ENV: "production",
      JWT_SECRET: randomBytes(32).toString("base64url"),
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString("hex")}`,
      STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString("hex")}`,
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("Invalid configuration: STRIPE_SECRET_KEY: a test key cannot be used in production");
  });
});

describe("pnpm db:seed", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "seed-cli-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // Two processes that each open the embedded database from its files: slow on a busy machine.
  it("creates the first admin once, and is safe to run again", { timeout: 120_000 }, async () => {
    const env = { DATA_DIR: dataDir, ADMIN_EMAIL: "root@example.com", ADMIN_PASSWORD: "a long admin password" };
    // A small shop keeps this quick; the demo data has tests of its own.
    const small = ["--products", "20", "--customers", "1", "--orders", "1"];
    const first = await runCli(["seed", ...small], env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain("first admin created");
    const second = await runCli(["seed", ...small], env);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain("first admin already-present");
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
