/*
 * The fault drill: two server instances on a Postgres and a Redis of the drill's own, under
 * steady load, while those services are stopped and started again and an instance is killed.
 * Each scenario states what must hold; the drill exits non-zero when anything does not.
 *
 *   pnpm faults        (runs in .ci/run after the tests; needs initdb, pg_ctl and redis-server)
 *
 * A new scenario is one more entry in `scenarios`; `Drill` gives it the instances, the load and
 * the database.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@seed/client";
import { createDatabase, orders, users, type DatabaseConnection } from "@seed/db";
import { unusedPort } from "@seed/db/testing";
import { inArray } from "drizzle-orm";
import { WebSocket } from "ws";
import { call, serverInstance, status, steadyLoad, type Instance, type LoadRecord } from "./cluster";
import { ownPostgres, ownRedis, waitFor, type Service } from "./infrastructure";

const UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly";
/** Fail fast: well under the connect timeout of a pool that would hang. */
const FAIL_FAST_MS = 5_000;
const PASSWORD = "a long passphrase for the drill";
const CALLS_PER_FAULT = 40;

interface Drill {
  instances: [Instance, Instance];
  postgres: Service;
  redis: Service;
  database: DatabaseConnection;
  load: ReturnType<typeof steadyLoad>;
  token: string;
  email: string;
  adminEmail: string;
  check(condition: boolean, what: string): void;
}

interface Scenario {
  name: string;
  run(drill: Drill): Promise<void>;
}

const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;

let signIns = 0;

/** Each sign-in from an address of its own, so the small credential budget is left to the checks. */
async function signIn(instance: Instance, email: string): Promise<{ accessToken: string; refreshToken: string }> {
  signIns += 1;
  const ip = `192.0.2.${signIns % 250}`;
  const answer = await call(instance, "auth.login", { email, password: PASSWORD }, { mutation: true, ip });
  const data = answer.data as { accessToken?: string; refreshToken?: string } | undefined;
  if (!data?.accessToken || !data.refreshToken)
    throw new Error(`sign-in failed with ${answer.status}: ${answer.message}`);
  return { accessToken: data.accessToken, refreshToken: data.refreshToken };
}

function recordsOf(drill: Drill, phase: string): LoadRecord[] {
  return drill.load.records.filter((record) => record.phase === phase);
}

/** Keeps a fault in place until the steady load has met it a good number of times. */
async function underLoad(drill: Drill, phase: string): Promise<void> {
  await waitFor(`steady load during ${phase}`, async () => recordsOf(drill, phase).length >= CALLS_PER_FAULT);
}

async function bothReady(drill: Drill, what: string): Promise<void> {
  for (const instance of drill.instances) {
    await waitFor(`${instance.name} ready ${what}`, async () => (await status(`${instance.baseUrl}/readyz`)) === 200);
  }
}

const redisOutage: Scenario = {
  name: "Redis stops and comes back",
  async run(drill) {
    const [a, b] = drill.instances;
    const events: string[] = [];
    const client = createClient({
      url: `${a.baseUrl}/trpc`,
      wsUrl: `${a.baseUrl.replace("http", "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      getAccessToken: () => drill.token,
    });
    const subscription = client.api.auth.onSessionEvent.subscribe(undefined, {
      onData: (event) => events.push(event.data.type),
    });
    try {
      // The subscription is live before the outage: a sign-in on B is heard on A.
      await waitFor("a sign-in heard across instances", async () => {
        await signIn(b, drill.email);
        return events.length > 0;
      });

      const ending = await signIn(b, drill.email);
      drill.load.enter("redis-down");
      await drill.redis.stop();
      await waitFor("readiness false without Redis", async () => (await status(`${a.baseUrl}/readyz`)) === 503);

      // Sessions and permissions are checked in the database; the Redis cache is only skipped.
      const signedIn = await call(a, "auth.me", undefined, { token: drill.token });
      drill.check(signedIn.status === 200, `a live session is still checked and served (${signedIn.status})`);
      await call(a, "auth.logout", { refreshToken: ending.refreshToken }, { mutation: true, ip: "198.51.100.8" });
      const ended = await Promise.all(
        drill.instances.map((i) => call(i, "auth.me", undefined, { token: ending.accessToken })),
      );
      drill.check(
        ended.every((answer) => answer.status === 401),
        `a session ended during the outage is refused at once on both instances (${ended.map((e) => e.status).join(", ")})`,
      );
      // The lockout counters live in Redis: a password check that cannot be counted is refused.
      const login = await call(
        b,
        "auth.login",
        { email: drill.email, password: PASSWORD },
        { mutation: true, ip: "198.51.100.9" },
      );
      drill.check(login.status === 503, `a sign-in whose lockout cannot be checked is refused 503 (${login.status})`);
      drill.check(login.message === UNAVAILABLE_MESSAGE, `and says why ("${login.message}")`);
      const anonymous = await call(b, "health.check", undefined);
      drill.check(anonymous.status === 200, `a call that needs no check is still served (${anonymous.status})`);

      // The in-process limiter still counts: a guesser from one address is stopped.
      const guesses = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        guesses.push(
          await call(
            a,
            "auth.login",
            { email: drill.email, password: "a guess" },
            { mutation: true, ip: "198.51.100.66" },
          ),
        );
      }
      drill.check(
        guesses.at(-1)?.status === 429,
        `rate limiting goes on in process (${guesses.map((g) => g.status).join(", ")})`,
      );

      await underLoad(drill, "redis-down");
      drill.load.enter("redis-back");
      await drill.redis.start();
      await bothReady(drill, "after Redis returned");
      const again = await call(a, "auth.me", undefined, { token: drill.token });
      drill.check(again.status === 200, `signed-in calls recover without a restart (${again.status})`);

      const heard = events.length;
      await signIn(b, drill.email);
      await waitFor("the subscription resumed after the outage", async () => events.length > heard, 15_000).then(
        () => drill.check(true, "the subscription on A hears a sign-in on B after the outage"),
        () => drill.check(false, "the subscription on A hears a sign-in on B after the outage"),
      );
    } finally {
      subscription.unsubscribe();
      await client.close();
    }
    const refused = recordsOf(drill, "redis-down").filter((record) => record.status !== 200);
    drill.check(refused.length === 0, `the steady load was served throughout the outage (${refused.length} refused)`);
  },
};

const postgresOutage: Scenario = {
  name: "Postgres stops and comes back",
  async run(drill) {
    const [a, b] = drill.instances;
    drill.load.enter("postgres-down");
    await drill.postgres.stop();
    for (const instance of drill.instances) {
      await waitFor(`${instance.name} not ready without Postgres`, async () => {
        return (await status(`${instance.baseUrl}/readyz`)) === 503;
      });
    }
    drill.check(true, "readiness goes false on both instances");
    // The session itself may be served from the instance's memory: listing the sessions reads them.
    const answers = await Promise.all([
      call(a, "auth.sessions.list", undefined, { token: drill.token }),
      call(b, "auth.login", { email: drill.email, password: PASSWORD }, { mutation: true, ip: "198.51.100.7" }),
    ]);
    for (const answer of answers) {
      drill.check(answer.status === 503, `a call that needs the database is refused 503 (${answer.status})`);
      drill.check(answer.message === UNAVAILABLE_MESSAGE, `with a clear message ("${answer.message}")`);
      drill.check(answer.ms < FAIL_FAST_MS, `and fast (${Math.round(answer.ms)} ms)`);
    }

    await underLoad(drill, "postgres-down");
    drill.load.enter("postgres-back");
    await drill.postgres.start();
    await bothReady(drill, "after Postgres returned");
    const again = await call(b, "auth.sessions.list", undefined, { token: drill.token });
    drill.check(again.status === 200, `calls recover without a restart (${again.status})`);
  },
};

const killedMidLoad: Scenario = {
  name: "an instance is killed with SIGKILL in the middle of sign-ups",
  async run(drill) {
    const [a, b] = drill.instances;
    drill.load.enter("kill");
    const answered: string[] = [];
    const attempted: string[] = [];
    let stop = false;
    const signUps = (instance: Instance, worker: number) =>
      (async () => {
        for (let n = 0; !stop; n += 1) {
          const email = uniqueEmail(`killed-${worker}-${n}`);
          attempted.push(email);
          // Each sign-up from an address of its own, so the credential budget does not interfere.
          const ip = `203.0.113.${(worker * 50 + n) % 250}`;
          const answer = await call(instance, "auth.register", { email, password: PASSWORD }, { mutation: true, ip });
          if (answer.status === 200) answered.push(email);
          if (answer.status === 0 && !instance.isRunning()) return;
        }
      })();
    const workers = [signUps(a, 1), signUps(a, 2), signUps(b, 3)];
    await waitFor("sign-ups answered before the kill", async () => answered.length >= 6);
    await a.kill();
    const answeredBeforeKill = answered.length;
    await waitFor("sign-ups answered by the survivor", async () => answered.length >= answeredBeforeKill + 3);
    stop = true;
    await Promise.all(workers);

    const rows = await drill.database.db
      .select({ email: users.email })
      .from(users)
      .where(inArray(users.email, attempted));
    const stored = new Map<string, number>();
    for (const row of rows) stored.set(row.email, (stored.get(row.email) ?? 0) + 1);
    const lost = answered.filter((email) => stored.get(email) !== 1);
    const unknown = rows.filter((row) => !attempted.includes(row.email));
    drill.check(
      lost.length === 0,
      `every sign-up answered 200 exists exactly once (${answered.length} answered, ${lost.length} not stored once)`,
    );
    drill.check(unknown.length === 0, "no account exists that was not asked for");
    drill.check(b.isRunning(), "the other instance went on serving");

    await a.start();
    drill.check((await status(`${a.baseUrl}/readyz`)) === 200, "the killed instance comes back on the same database");
  },
};

const ordersUnderKill: Scenario = {
  name: "an instance is killed with SIGKILL in the middle of orders",
  async run(drill) {
    const [a, b] = drill.instances;
    const admin = await signIn(a, drill.adminEmail);
    const created = await call(
      a,
      "products.create",
      {
        sku: `drill-${randomBytes(3).toString("hex")}`,
        name: "Drill",
        category: "drill",
        price: { amount: 100, currency: "EUR" },
        stock: 1_000_000,
      },
      { mutation: true, token: admin.accessToken, ip: "192.0.2.251" },
    );
    const productId = (created.data as { id: string }).id;
    drill.load.enter("orders-kill");
    const answered = new Map<string, string>();
    const unanswered: string[] = [];
    let stop = false;
    const shopper = (instance: Instance, worker: number) =>
      (async () => {
        const { accessToken } = await signIn(instance, drill.email);
        for (let n = 0; !stop; n += 1) {
          const idempotencyKey = `drill-${worker}-${n}-${randomBytes(4).toString("hex")}`;
          const answer = await call(
            instance,
            "orders.place",
            { items: [{ productId, quantity: 1 }], idempotencyKey },
            { mutation: true, token: accessToken, ip: `203.0.113.${100 + worker}` },
          );
          if (answer.status === 200) answered.set(idempotencyKey, (answer.data as { id: string }).id);
          else unanswered.push(idempotencyKey);
          if (answer.status === 0 && !instance.isRunning()) return;
        }
      })();
    const workers = [shopper(a, 1), shopper(a, 2), shopper(b, 3)];
    await waitFor("orders answered before the kill", async () => answered.size >= 6);
    await a.kill();
    const beforeKill = answered.size;
    await waitFor("orders answered by the survivor", async () => answered.size >= beforeKill + 3);
    stop = true;
    await Promise.all(workers);

    const rows = await drill.database.db
      .select({ id: orders.id, idempotencyKey: orders.idempotencyKey })
      .from(orders)
      .where(inArray(orders.idempotencyKey, [...answered.keys(), ...unanswered]));
    const byKey = new Map<string, string[]>();
    for (const row of rows) byKey.set(row.idempotencyKey, [...(byKey.get(row.idempotencyKey) ?? []), row.id]);
    const lost = [...answered].filter(([key, id]) => byKey.get(key)?.length !== 1 || byKey.get(key)?.[0] !== id);
    drill.check(
      lost.length === 0,
      `every order answered 200 exists exactly once (${answered.size} answered, ${lost.length} not)`,
    );
    drill.check(
      unanswered.every((key) => (byKey.get(key)?.length ?? 0) <= 1),
      `an order whose answer was lost exists at most once (${unanswered.filter((key) => byKey.has(key)).length} of ${unanswered.length} stored)`,
    );
    // The client retries what it was not answered with the same key: it gets that order, not a second one.
    const { accessToken } = await signIn(b, drill.email);
    for (const key of unanswered) {
      const retry = await call(
        b,
        "orders.place",
        { items: [{ productId, quantity: 1 }], idempotencyKey: key },
        { mutation: true, token: accessToken, ip: "203.0.113.200" },
      );
      const stored = byKey.get(key);
      if (stored)
        drill.check((retry.data as { id?: string } | undefined)?.id === stored[0], `a retry of ${key} finds its order`);
    }
    await a.start();
  },
};

const scenarios: Scenario[] = [redisOutage, postgresOutage, killedMidLoad, ordersUnderKill];

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "seed-faults-"));
  const adminEmail = uniqueEmail("drill-admin");
  const postgres = ownPostgres(workDir, await unusedPort());
  const redis = ownRedis(workDir, await unusedPort());
  const failures: string[] = [];
  const started: Instance[] = [];
  let database: DatabaseConnection | null = null;
  let load: ReturnType<typeof steadyLoad> | null = null;
  try {
    await postgres.start();
    await redis.start();
    const env = {
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      JWT_SECRET: randomBytes(32).toString("base64url"),
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: PASSWORD,
      TRUST_PROXY: "1",
      AUTH_RATE_LIMIT_MAX: "3",
      RATE_LIMIT_MAX: "100000",
    };
    const instances: [Instance, Instance] = [
      await serverInstance("a", workDir, env),
      await serverInstance("b", workDir, env),
    ];
    for (const instance of instances) {
      await instance.start();
      started.push(instance);
    }
    database = await createDatabase({ url: postgres.url, poolSize: 2 });
    const email = uniqueEmail("drill");
    await call(instances[0], "auth.register", { email, password: PASSWORD }, { mutation: true, ip: "198.51.100.1" });
    const { accessToken: token } = await signIn(instances[1], email);
    load = steadyLoad(instances, token);

    for (const scenario of scenarios) {
      console.log(`\n${scenario.name}`);
      const began = Date.now();
      const check = (condition: boolean, what: string) => {
        console.log(`  ${condition ? "ok  " : "FAIL"} ${what} [${((Date.now() - began) / 1000).toFixed(1)} s]`);
        if (!condition) failures.push(`${scenario.name}: ${what}`);
      };
      await scenario
        .run({ instances, postgres, redis, database, load, token, email, adminEmail, check })
        .catch((error: Error) => check(false, `did not finish: ${error.message}`));
    }

    await load.stop();
    const errors = load.records.filter((record) => record.status >= 500 && record.status !== 503);
    const unanswered = load.records.filter((record) => record.status === 0);
    const slowest = load.records.reduce((worst, record) => (record.ms > worst.ms ? record : worst));
    console.log(
      `\nsteady load: ${load.records.length} calls, slowest ${Math.round(slowest.ms)} ms` +
        ` (${slowest.procedure} on ${slowest.instance} during ${slowest.phase}, ${slowest.status})`,
    );
    for (const phase of new Set(load.records.map((record) => record.phase))) {
      const counts = new Map<number, number>();
      for (const record of load.records.filter((r) => r.phase === phase)) {
        counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
      }
      console.log(`  ${phase}: ${[...counts].map(([code, count]) => `${count}×${code}`).join(", ")}`);
    }
    if (errors.length > 0) failures.push(`steady load got ${errors.length} server errors other than 503`);
    if (unanswered.length > 0) failures.push(`steady load got ${unanswered.length} calls with no answer`);
    if (!started.every((instance) => instance.isRunning())) failures.push("an instance crashed");
    // Failed queries are logged without their bound parameters, which may hold personal data.
    for (const name of ["a.log", "b.log"]) {
      const log = readFileSync(join(workDir, name), "utf8");
      if (log.includes(email) || log.includes("params:")) failures.push(`${name} shows a query's parameters`);
    }
  } catch (error) {
    failures.push(`the drill could not run: ${(error as Error).message}`);
  } finally {
    await load?.stop();
    await Promise.all(started.map((instance) => instance.stop()));
    await database?.close();
    await redis.stop();
    await postgres.stop().catch(() => {});
    if (failures.length > 0) {
      for (const name of ["a.log", "b.log"]) {
        try {
          console.log(`\n--- ${name}\n${readFileSync(join(workDir, name), "utf8").split("\n").slice(-30).join("\n")}`);
        } catch {
          // The instance never started, so it has no log.
        }
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} fault check(s) failed:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    process.exit(1);
  }
  console.log("\nall fault checks passed");
}

await main();
