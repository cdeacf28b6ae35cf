import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const CLIENT_DIR = fileURLToPath(new URL("../../../packages/client/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./client-package/", import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/lib/tsc.js");
const TYPES_NODE_VERSION = (require("@types/node/package.json") as { version: string }).version;
const run = promisify(execFile);

/** How a client's author on Node.js type-checks: strictly, the libraries' declarations included. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ["node"],
  },
  files: ["typed-calls.ts"],
};

/**
 * The client as its users get it: packed as it would be published, installed by npm in a folder
 * outside the workspace, and used from plain `node` against a real server.
 */
describe("the published client", () => {
  const admin = { email: uniqueEmail("client-package-admin"), password: "a long admin passphrase" };
  const shopper = { email: uniqueEmail("client-package-shopper"), password: "a long shopper passphrase" };
  const deployment = useDeployment("embedded", {
    env: { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
  });
  let consumerDir: string;
  let installedDir: string;

  beforeAll(async () => {
    consumerDir = await mkdtemp(join(tmpdir(), "seed-client-consumer-"));
    installedDir = join(consumerDir, "node_modules", "@seed", "client");
    // `pnpm pack` builds first (the package's prepack), so what is packed is never stale.
    await run("pnpm", ["pack", "--pack-destination", consumerDir], { cwd: CLIENT_DIR });
    const tarball = (await readdir(consumerDir)).find((file) => file.endsWith(".tgz"))!;
    await writeFile(
      join(consumerDir, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await writeFile(join(consumerDir, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG));
    for (const fixture of await readdir(FIXTURES)) await copyFile(join(FIXTURES, fixture), join(consumerDir, fixture));
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`, `@types/node@${TYPES_NODE_VERSION}`],
      { cwd: consumerDir },
    );
  }, 600_000);

  afterAll(async () => {
    if (consumerDir) await rm(consumerDir, { recursive: true, force: true });
  });

  it("holds its build alone, and needs no package of the workspace", async () => {
    const manifest = JSON.parse(await readFile(join(installedDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@trpc/client", "@trpc/server", "superjson", "ws"]);
    expect(Object.values(manifest.dependencies).join(" ")).not.toMatch(/workspace:|catalog:/);

    const files = await readdir(join(installedDir, "dist"));
    expect(files.filter((file) => !/\.(js|d\.ts)$/.test(file))).toEqual([]);
    for (const file of files) {
      const text = await readFile(join(installedDir, "dist", file), "utf8");
      const imported = [...text.matchAll(/\bfrom\s+"([^"]+)"/g)].map((match) => match[1]!);
      expect(imported.filter((specifier) => !specifier.startsWith("."))).not.toContainEqual(
        expect.stringMatching(/^@seed\//),
      );
    }
  });

  it("signs in, reads, orders and hears the order's event over a WebSocket, from plain node", async () => {
    const server = deployment.server;
    const adminSession = tokensOf(await server.client().api.auth.login.mutate(admin));
    const staff = server.client({ getAccessToken: () => adminSession.accessToken });
    const product = await staff.api.products.create.mutate({
      sku: `PKG-${Date.now()}`,
      name: "Packed tea caddy",
      description: "Bought by a program outside the workspace",
      category: "home",
      price: { amount: 1250, currency: "EUR" },
      stock: 10,
    });
    await server.client().api.auth.register.mutate(shopper);

    const visit = { url: server.trpcUrl, wsUrl: server.wsUrl, ...shopper, productId: product.id };
    const { stdout } = await run(process.execPath, ["shop-visit.mjs"], {
      cwd: consumerDir,
      env: { PATH: process.env.PATH ?? "", SEED_VISIT: JSON.stringify(visit) },
    });

    const seen = JSON.parse(stdout) as { order: { id: string } };
    expect(seen).toEqual({
      signedInAs: shopper.email,
      accountCreatedAt: "a Date",
      product: "Packed tea caddy",
      order: { id: expect.any(String), total: { amount: 2500, currency: "EUR" } },
      event: { type: "order.status_changed", orderId: seen.order.id, at: "a Date" },
    });
  }, 120_000);

  it("carries the router's types: tsc accepts the right calls and refuses the wrong ones", async () => {
    // Every `@ts-expect-error` in typed-calls.ts must meet its error, or tsc fails.
    const checked = await run(process.execPath, [TSC, "-p", "."], { cwd: consumerDir }).catch(
      (failure: { stdout: string }) => failure,
    );
    expect(checked.stdout).toBe("");
  }, 120_000);
});
