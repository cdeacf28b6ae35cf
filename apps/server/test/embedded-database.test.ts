/*
 * The embedded database as a newcomer meets it: a server started on a data directory, the CLI run
 * beside it, a second server started by mistake, a crash, mail being sent when it came. Every
 * process is a real one.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, serverInstance, type Instance } from "./faults/cluster";
import { runCli, runScript } from "./support/run-script";
import { startSmtpSink, type SmtpSink } from "../../../packages/platform/test/smtp-sink";

const secret = "k3J9x!Qz7#vL2mP8sR5tW1yB4nC6dF0gq";
const password = "a long passphrase for tests";

/** The embedded default: neither Postgres nor Redis, whatever the machine running the tests has. */
const embedded = (dataDir: string) => ({
  DATA_DIR: dataDir,
  DATABASE_URL: "",
  REDIS_URL: "",
  JWT_SECRET: secret,
  NODE_ENV: "test",
  LOG_LEVEL: "info",
  // The crash drill places many orders quickly as one customer.
  ORDER_RATE_LIMIT_MAX: "100000",
  RATE_LIMIT_MAX: "100000",
});
const cli = (dataDir: string, args: string[], input?: string) => runCli(args, embedded(dataDir), input);

interface Product {
  id: string;
  stock: number;
}
interface Order {
  id: string;
  status: string;
  items: { productId: string; quantity: number }[];
}

async function signIn(server: Instance, email: string): Promise<string> {
  const answer = await call(server, "auth.login", { email, password }, { mutation: true });
  expect(answer.status).toBe(200);
  return (answer.data as { accessToken: string }).accessToken;
}

async function allProducts(server: Instance): Promise<Product[]> {
  const answer = await call(server, "products.list", { limit: 100 });
  expect(answer.status).toBe(200);
  return (answer.data as { items: Product[] }).items;
}

async function allOrders(server: Instance, token: string): Promise<Order[]> {
  const orders: Order[] = [];
  let cursor: string | null = null;
  do {
    const answer = await call(server, "orders.list", { limit: 100, ...(cursor ? { cursor } : {}) }, { token });
    expect(answer.status).toBe(200);
    const page = answer.data as { items: Order[]; nextCursor: string | null };
    orders.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return orders;
}

describe("a server on the embedded database, with the CLI beside it", () => {
  let dataDir: string;
  let server: Instance;
  let customer: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "seed-embedded-"));
    server = await serverInstance("server", dataDir, embedded(join(dataDir, "pglite")));
    await server.start();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const pglite = () => join(dataDir, "pglite");

  it("shows what `pnpm db:seed` adds at once, while it runs", { timeout: 120_000 }, async () => {
    expect(await allProducts(server)).toEqual([]);
    const seeded = await cli(pglite(), ["seed", "--products", "12", "--customers", "1", "--orders", "2"]);
    expect(seeded).toMatchObject({ code: 0 });
    expect(seeded.stdout).toContain("12 new products");
    expect(await allProducts(server)).toHaveLength(12);
  });

  it("runs every command through the running server, on its data", { timeout: 180_000 }, async () => {
    customer = `customer-${randomUUID()}@example.com`;
    expect((await call(server, "auth.register", { email: customer, password }, { mutation: true })).status).toBe(200);
    await signIn(server, customer);

    const migrated = await cli(pglite(), ["migrate"]);
    expect(migrated).toMatchObject({ code: 0 });
    expect(migrated.stdout).toMatch(/^Migrated the embedded database in .+, through process \d+\.\n$/);

    const admin = `admin-${randomUUID()}@example.com`;
    expect((await call(server, "auth.register", { email: admin, password }, { mutation: true })).status).toBe(200);
    expect(await cli(pglite(), ["create-admin", admin])).toMatchObject({ code: 0 });
    const adminToken = await signIn(server, admin);
    const me = await call(server, "auth.me", undefined, { token: adminToken });
    expect(me.data).toMatchObject({ email: admin, roles: expect.arrayContaining(["admin"]) });

    const revoked = await cli(pglite(), ["revoke-sessions", customer]);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.stdout).toContain(`Revoked 1 session of ${customer}.`);

    expect(await cli(pglite(), ["rotate-keys"])).toMatchObject({ code: 0 });
    expect(await cli(pglite(), ["clean-up"])).toMatchObject({ code: 0 });

    const dumpFile = join(dataDir, "dump.sql");
    const dumped = await cli(pglite(), ["dump", dumpFile]);
    expect(dumped).toMatchObject({ code: 0 });
    expect(await readFile(dumpFile, "utf8")).toContain(admin);

    const shell = await cli(pglite(), ["sql"], "select email from users where email = '" + admin + "';\n");
    expect(shell).toMatchObject({ code: 0 });
    expect(shell.stdout).toContain(admin);

    // The server still serves, with what the commands changed.
    const fresh = await signIn(server, customer);
    expect((await call(server, "auth.me", undefined, { token: fresh })).status).toBe(200);
  });

  it("refuses a second server on the same directory at once, naming the owner", { timeout: 60_000 }, async () => {
    const second = await runScript("apps/server/src/main.ts", [], { ...embedded(pglite()), PORT: "0" });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^Cannot start: the embedded database in .+ is in use by process \d+ .+another DATA_DIR$/),
    ]);
    expect(await allProducts(server)).toHaveLength(12);
  });

  it("keeps every row across a restart", { timeout: 120_000 }, async () => {
    const before = await allProducts(server);
    await server.stop();
    await server.start();
    expect(await allProducts(server)).toEqual(before);
    await signIn(server, customer);
  });

  it(
    "keeps every answered order exactly once when killed mid-load, and stock adds up",
    { timeout: 180_000 },
    async () => {
      const token = await signIn(server, customer);
      const stockBefore = new Map((await allProducts(server)).map((product) => [product.id, product.stock]));
      const inStock = [...stockBefore].filter(([, stock]) => stock > 0).map(([id]) => id);
      const ordersBefore = new Set((await allOrders(server, token)).map((order) => order.id));

      const answered: string[] = [];
      let placing = true;
      const customerLoop = async (lane: number) => {
        for (let turn = 0; placing; turn += 1) {
          const productId = inStock[(lane + turn) % inStock.length]!;
          const input = {
            items: [{ productId, quantity: 1 }],
            idempotencyKey: `crash-${lane}-${turn}-${randomUUID()}`,
          };
          const answer = await call(server, "orders.place", input, { token, mutation: true });
          if (answer.status === 200 && placing) answered.push((answer.data as { id: string }).id);
        }
      };
      const lanes = [0, 1, 2, 3].map(customerLoop);
      await expect.poll(() => answered.length, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(20);
      await server.kill();
      placing = false;
      await Promise.all(lanes);

      await server.start();
      const orders = (await allOrders(server, token)).filter((order) => !ordersBefore.has(order.id));
      const ids = orders.map((order) => order.id);
      for (const id of answered) expect(ids.filter((candidate) => candidate === id)).toHaveLength(1);
      const stockAfter = new Map((await allProducts(server)).map((product) => [product.id, product.stock]));
      for (const [productId, before] of stockBefore) {
        const sold = orders
          .filter((order) => order.status !== "cancelled")
          .flatMap((order) => order.items)
          .filter((item) => item.productId === productId)
          .reduce((sum, item) => sum + item.quantity, 0);
        expect(stockAfter.get(productId)).toBe(before - sold);
      }
    },
  );
});

describe("two servers started at once on a new directory", () => {
  let dataDir: string;
  const servers: Instance[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "seed-embedded-race-"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("gives the directory to one, and the other refuses", { timeout: 120_000 }, async () => {
    const env = embedded(join(dataDir, "pglite"));
    servers.push(await serverInstance("first", dataDir, env), await serverInstance("second", dataDir, env));
    const outcomes = await Promise.allSettled(servers.map((server) => server.start()));
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    const loser = servers[outcomes.findIndex((outcome) => outcome.status === "rejected")]!;
    const winner = servers.find((server) => server !== loser)!;
    const said = await readFile(join(dataDir, `${loser.name}.log`), "utf8");
    expect(said.trim().split("\n")).toEqual([
      expect.stringMatching(/^Cannot start: the embedded database in .+ is in use by process \d+/),
    ]);
    expect(await allProducts(winner)).toEqual([]);
  });
});

describe("mail through SMTP on the embedded default", () => {
  let dataDir: string;
  let server: Instance;
  let smtp: SmtpSink;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "seed-embedded-mail-"));
    smtp = await startSmtpSink();
    server = await serverInstance("mailing", dataDir, { ...embedded(join(dataDir, "pglite")), SMTP_URL: smtp.url });
    await server.start();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    smtp?.release();
    await smtp?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("sends, once restarted, the mail it was sending when it was killed", { timeout: 120_000 }, async () => {
    smtp.holding = true;
    const held = once(smtp.events, "held");
    const email = `crash-${randomUUID()}@example.com`;
    expect((await call(server, "auth.register", { email, password }, { mutation: true })).status).toBe(200);
    // The confirmation mail is with the SMTP server, not yet acknowledged, when the process dies.
    await held;
    await server.kill();

    smtp.holding = false;
    const delivered = new Promise((resolve) =>
      smtp.events.on("received", (mail) => mail.to === email && resolve(mail)),
    );
    await server.start();
    expect(await delivered).toMatchObject({ to: email, body: expect.stringContaining("Confirm your email address") });
  });
});
