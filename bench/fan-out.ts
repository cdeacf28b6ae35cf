/**
 * `pnpm bench:fan-out [--subscribers 1000,5000] [--events 20]`: how long one event takes to reach
 * every subscriber of `products.onChange`. A real server runs in a process of its own on Postgres
 * and Redis; this process opens one WebSocket per subscriber and publishes each event through a
 * Redis event bus of its own, as another instance would after a change. See bench/README.md.
 */
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createRedisEventBus, productChangesChannel, type ProductChange } from "@seed/api";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import { createBenchDatabase } from "./bench-database";
import { buildServers, startServerProcess } from "./server-process-handle";

const { values: options } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000,5000" },
    events: { type: "string", default: "20" },
  },
});
const fanOuts = options.subscribers.split(",").map(Number);
const eventsPerRun = Number(options.events);
// Sockets opened at once while subscribing: enough to be quick, few enough not to look like a flood.
const OPENING_CONCURRENCY = 100;

const SUBSCRIBE = JSON.stringify({
  id: 1,
  method: "subscription",
  params: { path: "products.onChange", input: { json: {} } },
});

interface Subscriber {
  socket: WebSocket;
  /** When this subscriber received each event, by version, on this process's clock. */
  receivedAt: Map<number, number>;
}

/** Opens a socket and subscribes; resolves once the server says the subscription has started. */
async function subscribe(wsUrl: string, onEvent: (subscriber: Subscriber, version: number) => void) {
  const socket = new WebSocket(wsUrl);
  const subscriber: Subscriber = { socket, receivedAt: new Map() };
  await once(socket, "open");
  const started = new Promise<void>((resolve, reject) => {
    socket.on("message", (raw: Buffer) => {
      const text = raw.toString();
      if (text === "PING") return void socket.send("PONG");
      const message = JSON.parse(text) as {
        result?: { type: string; data?: { json: { data: ProductChange } } };
        error?: unknown;
      };
      if (message.error) return reject(new Error(`subscription refused: ${text}`));
      if (message.result?.type === "started") return resolve();
      if (message.result?.type === "data") onEvent(subscriber, message.result.data!.json.data.version);
    });
  });
  socket.send(SUBSCRIBE);
  await started;
  return subscriber;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const format = (ms: number) => ms.toFixed(1).padStart(8);

async function measure(wsUrl: string, count: number, publish: (version: number) => Promise<string>) {
  let waiting: { version: number; remaining: number; done: () => void } | null = null;
  const onEvent = (subscriber: Subscriber, version: number) => {
    subscriber.receivedAt.set(version, performance.now());
    if (waiting?.version === version && --waiting.remaining === 0) waiting.done();
  };

  const subscribers: Subscriber[] = [];
  while (subscribers.length < count) {
    const batch = Math.min(OPENING_CONCURRENCY, count - subscribers.length);
    subscribers.push(...(await Promise.all(Array.from({ length: batch }, () => subscribe(wsUrl, onEvent)))));
  }

  const deliveries: number[] = [];
  const lastDeliveries: number[] = [];
  for (let version = 1; version <= eventsPerRun; version++) {
    const allDelivered = new Promise<void>((done) => (waiting = { version, remaining: count, done }));
    const publishedAt = performance.now();
    await publish(version);
    await allDelivered;
    const latencies = subscribers.map((subscriber) => subscriber.receivedAt.get(version)! - publishedAt);
    deliveries.push(...latencies);
    lastDeliveries.push(Math.max(...latencies));
  }

  await Promise.all(
    subscribers.map((subscriber) => {
      const closed = once(subscriber.socket, "close");
      subscriber.socket.close();
      return closed;
    }),
  );
  deliveries.sort((a, b) => a - b);
  lastDeliveries.sort((a, b) => a - b);
  return { deliveries, lastDeliveries };
}

buildServers();
const database = await createBenchDatabase(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const keyPrefix = `seed-bench:${randomBytes(4).toString("hex")}:`;
const server = await startServerProcess(
  "trpc-fast-path",
  {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    JWT_SECRET: randomBytes(48).toString("base64url"),
    RATE_LIMIT_MAX: "1000000",
  },
  null,
);
const redis = new Redis(redisUrl);
const bus = createRedisEventBus(redis, keyPrefix);
const publish = (version: number) => {
  const change: ProductChange = { type: "product.updated", productId: "bench", version, at: new Date() };
  return bus.publish(productChangesChannel, change);
};

try {
  const wsUrl = server.baseUrl.replace(/^http/, "ws") + "/trpc";
  console.log(
    `fan-out of ${eventsPerRun} events, one at a time, to each number of subscribers (one socket each); ` +
      `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log("subscribers  deliveries |   p50 ms   p90 ms   p99 ms   max ms | last subscriber p50 ms   p99 ms");
  for (const count of fanOuts) {
    const { deliveries, lastDeliveries } = await measure(wsUrl, count, publish);
    console.log(
      `${String(count).padStart(11)} ${String(deliveries.length).padStart(11)} |` +
        `${format(percentile(deliveries, 50))} ${format(percentile(deliveries, 90))} ` +
        `${format(percentile(deliveries, 99))} ${format(deliveries.at(-1)!)} |` +
        `               ${format(percentile(lastDeliveries, 50))} ${format(percentile(lastDeliveries, 99))}`,
    );
  }
  console.log(`load average at the end ${loadavg()[0]!.toFixed(1)}`);
} finally {
  await bus.close();
  await redis.quit();
  await server.stop();
  await database.drop();
}
