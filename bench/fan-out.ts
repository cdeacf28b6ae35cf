/**
 * `pnpm bench:fan-out [--subscribers 1000,5000] [--events 20] [--profile]`: how long one event takes to reach
 * every subscriber of `products.onChange`, against the same work without our layers in the same
 * run. A real server runs in a process of its own on Postgres and Redis, and its limit in another;
 * this process opens one WebSocket per subscriber and publishes each event through a Redis event
 * bus of its own, as another instance would after a change. See bench/README.md.
 */
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ProductChange, productChangesChannel } from "@seed/core";
import { createRedisEventBus } from "@seed/platform";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import { createBenchDatabase } from "./bench-database";
import { deleteRedisKeys } from "./redis-keys";
import { summarizeCpuProfile } from "./cpu-profile";
import { formatProfileSummary } from "./report";
import {
  buildServers,
  mainThreadProfile,
  startServerProcess,
  type LoadReport,
  type ServerProcess,
} from "./server-process-handle";

const { values: options } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000,5000" },
    events: { type: "string", default: "20" },
    profile: { type: "boolean", default: false },
  },
});
const fanOuts = options.subscribers.split(",").map(Number);
const eventsPerRun = Number(options.events);
// Sockets opened at once while subscribing: enough to be quick, few enough not to look like a flood.
const OPENING_CONCURRENCY = 100;
const RESULTS_DIRECTORY = new URL("./results/", import.meta.url);
const TOP_PROFILE_ENTRIES = 15;

const SUBSCRIBE = JSON.stringify({
  id: 1,
  method: "subscription",
  params: { path: "products.onChange", input: { json: {} } },
});

/** The collector of this process, which `pnpm bench:fan-out` exposes (`--expose-gc`). */
const collectGarbage =
  globalThis.gc ??
  (() => {
    throw new Error("run this through pnpm bench:fan-out, which gives node --expose-gc");
  });

/** Delivered before the measured events, and recorded nowhere. */
const WARM_UP_VERSION = 0;
const VERSION_FIELD = Buffer.from('"version":');
const DIGIT_0 = 0x30;

/**
 * The version of the product change a data message carries, read from its bytes, or -1. This
 * process stands in for thousands of clients at once: what it allocates per message (a string
 * and a parsed object each) would make its garbage collector pause, and its pauses would be
 * counted as delivery time, which no real subscriber, with a process of its own, would see.
 */
function versionIn(raw: Buffer): number {
  const field = raw.indexOf(VERSION_FIELD);
  if (field === -1) return -1;
  let version = 0;
  for (let at = field + VERSION_FIELD.length; raw[at]! >= DIGIT_0 && raw[at]! <= DIGIT_0 + 9; at++) {
    version = version * 10 + raw[at]! - DIGIT_0;
  }
  return version;
}

/** Opens a socket and subscribes; resolves once the server says the subscription has started. */
async function subscribe(wsUrl: string, onEvent: (version: number) => void) {
  const socket = new WebSocket(wsUrl);
  await once(socket, "open");
  const started = new Promise<void>((resolve, reject) => {
    socket.on("message", (raw: Buffer) => {
      const version = versionIn(raw);
      if (version !== -1) return onEvent(version);
      const text = raw.toString();
      if (text === "PING") return void socket.send("PONG");
      const message = JSON.parse(text) as {
        result?: { type: string; data?: { json: { data: ProductChange } } };
        error?: unknown;
      };
      if (message.error) return reject(new Error(`subscription refused: ${text}`));
      if (message.result?.type === "started") return resolve();
      if (message.result?.type === "data") onEvent(message.result.data!.json.data.version);
    });
  });
  socket.send(SUBSCRIBE);
  await started;
  return socket;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const format = (ms: number) => ms.toFixed(1).padStart(8);

/** Told when the events start and stop flowing, so that a profile covers only their delivery. */
interface DeliveryWindow {
  opened(): Promise<void>;
  /** With what the server spent while they flowed. */
  closed(load: LoadReport): Promise<void>;
}

async function measure(
  server: ServerProcess,
  count: number,
  publish: (version: number) => Promise<string>,
  window: DeliveryWindow,
) {
  const wsUrl = server.baseUrl.replace(/^http/, "ws") + "/trpc";
  let waiting: { version: number; remaining: number; done: () => void } | null = null;
  /** When each subscriber received each event, on this process's clock: (version - 1) * count + subscriber. */
  const receivedAt = new Float64Array(eventsPerRun * count);
  const listenerOf = (subscriber: number) => (version: number) => {
    if (version !== WARM_UP_VERSION) receivedAt[(version - 1) * count + subscriber] = performance.now();
    if (waiting?.version === version && --waiting.remaining === 0) waiting.done();
  };

  const sockets: WebSocket[] = [];
  while (sockets.length < count) {
    const batch = Math.min(OPENING_CONCURRENCY, count - sockets.length);
    const first = sockets.length;
    sockets.push(
      ...(await Promise.all(Array.from({ length: batch }, (_, i) => subscribe(wsUrl, listenerOf(first + i))))),
    );
  }

  /** Publishes an event and waits until every subscriber has it; when it was published. */
  const deliver = async (version: number) => {
    const allDelivered = new Promise<void>((done) => (waiting = { version, remaining: count, done }));
    const publishedAt = performance.now();
    await publish(version);
    await allDelivered;
    return publishedAt;
  };
  // The first event to reach sockets that have had none is slower on both sides; the server's
  // code has warmed up on the run before, not these sockets. Its frame is what the servers compare.
  const warmUpFrame = new Promise<string>((resolve) =>
    sockets[0]!.on("message", (raw: Buffer) => versionIn(raw) === WARM_UP_VERSION && resolve(raw.toString())),
  );
  await deliver(WARM_UP_VERSION);

  const deliveries: number[] = [];
  const lastDeliveries: number[] = [];
  await window.opened();
  server.loadStarted();
  for (let version = 1; version <= eventsPerRun; version++) {
    // This process stands in for thousands of clients, each of which would collect its own
    // garbage: collected between events, its pauses are not counted as delivery time.
    collectGarbage();
    const publishedAt = await deliver(version);
    const latencies = Array.from(
      receivedAt.subarray((version - 1) * count, version * count),
      (received) => received - publishedAt,
    );
    deliveries.push(...latencies);
    lastDeliveries.push(Math.max(...latencies));
  }
  const load = await server.loadFinished();
  await window.closed(load);

  await Promise.all(
    sockets.map((socket) => {
      const closed = once(socket, "close");
      socket.close();
      return closed;
    }),
  );
  deliveries.sort((a, b) => a - b);
  lastDeliveries.sort((a, b) => a - b);
  return {
    deliveries,
    lastDeliveries,
    serverCpuMicrosPerDelivery: load.cpuMicros / deliveries.length,
    frame: await warmUpFrame,
  };
}

buildServers();

/**
 * With `--profile`, the server runs under `--cpu-prof` and this process profiles itself through the
 * inspector, both only while events are delivered: the bench's client sockets share the machine's
 * cores with the server, so where their time goes matters as much as where the server's does.
 */
function profilingWindows(runId: string) {
  const session = new Session();
  session.connect();
  const deliveries: { count: number; server: LoadReport["loadWindowMicros"]; benchProfile: string }[] = [];
  const serverProfile = { dir: fileURLToPath(new URL(`${runId}-fan-out-server.cpuprofile/`, RESULTS_DIRECTORY)) };
  return {
    serverProfile,
    windowFor(count: number): DeliveryWindow {
      return {
        async opened() {
          await session.post("Profiler.enable");
          await session.post("Profiler.start");
        },
        async closed({ loadWindowMicros }) {
          const { profile } = await session.post("Profiler.stop");
          await mkdir(RESULTS_DIRECTORY, { recursive: true });
          const benchProfile = fileURLToPath(new URL(`${runId}-fan-out-bench-${count}.cpuprofile`, RESULTS_DIRECTORY));
          await writeFile(benchProfile, JSON.stringify(profile));
          deliveries.push({ count, server: loadWindowMicros, benchProfile });
        },
      };
    },
    /** Once the server has exited, which is when its profile is written. */
    async summaries(): Promise<string[]> {
      session.disconnect();
      const serverProfilePath = await mainThreadProfile(serverProfile);
      const everything = { start: -Infinity, end: Infinity };
      const summaries: string[] = [];
      for (const { count, server, benchProfile } of deliveries) {
        const serverSummary = await summarizeCpuProfile(serverProfilePath, server, TOP_PROFILE_ENTRIES);
        const benchSummary = await summarizeCpuProfile(benchProfile, everything, TOP_PROFILE_ENTRIES);
        summaries.push(formatProfileSummary(`server, ${count} subscribers`, serverSummary));
        summaries.push(formatProfileSummary(`bench (client sockets), ${count} subscribers`, benchSummary));
      }
      return summaries;
    },
  };
}

const unprofiled: DeliveryWindow = { opened: async () => {}, closed: async () => {} };
const profiling = options.profile ? profilingWindows(new Date().toISOString().replaceAll(":", "-")) : null;

/** A data frame with what differs from one publication to the next (its event's id and time) masked. */
function masked(frame: string): string {
  return frame.replace(/"\d+-\d+"/g, '"<event id>"').replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"');
}

const database = await createBenchDatabase(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const keyPrefix = `seed-bench:${randomBytes(4).toString("hex")}:`;
/** Both servers hear the bus of one key prefix; only the one being measured has subscribers. */
const serverEnv = {
  NODE_ENV: "production",
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "silent",
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: keyPrefix,
  JWT_SECRET: randomBytes(48).toString("base64url"),
  RATE_LIMIT_MAX: "1000000",
  // Every subscriber's socket comes from this one address: its limits must allow them all.
  LIVE_MAX_CONNECTIONS_PER_ADDRESS: "100000",
  LIVE_MAX_NEW_CONNECTIONS_PER_ADDRESS_PER_MINUTE: "1000000",
  LIVE_MAX_SUBSCRIPTIONS_PER_ADDRESS: "1000000",
};
// The limit: the same server, whose WebSocket is answered without our layers (without-layers/fan-out.ts).
const limit = await startServerProcess("plain-fastify", serverEnv, null);
const server = await startServerProcess("trpc-fast-path", serverEnv, profiling?.serverProfile ?? null);
const redis = new Redis(redisUrl);
const bus = createRedisEventBus(redis, keyPrefix);
const publish = (version: number) => {
  const change: ProductChange = { type: "product.updated", productId: "bench", version, at: new Date() };
  return bus.publish(productChangesChannel, change);
};

type Measured = Awaited<ReturnType<typeof measure>>;

function row(count: number, name: string, { deliveries, lastDeliveries, serverCpuMicrosPerDelivery }: Measured) {
  return (
    `${String(count).padStart(11)}  ${name.padEnd(14)} ${String(deliveries.length).padStart(10)} |` +
    `${format(percentile(deliveries, 50))} ${format(percentile(deliveries, 90))} ` +
    `${format(percentile(deliveries, 99))} ${format(deliveries.at(-1)!)} |` +
    `               ${format(percentile(lastDeliveries, 50))} ${format(percentile(lastDeliveries, 99))} |` +
    `               ${format(serverCpuMicrosPerDelivery)}`
  );
}

try {
  console.log(
    `fan-out of ${eventsPerRun} events, one at a time, to each number of subscribers (one socket each), ` +
      `first on the limit, then on ours; ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  if (profiling) console.log("Profiled run: profiling slows both sides, compare its figures only with each other.");
  console.log(
    "subscribers  server         deliveries |   p50 ms   p90 ms   p99 ms   max ms | last subscriber p50 ms   p99 ms | server CPU µs/delivery",
  );
  for (const count of fanOuts) {
    const ofLimit = await measure(limit, count, publish, unprofiled);
    const ours = await measure(server, count, publish, profiling?.windowFor(count) ?? unprofiled);
    if (masked(ours.frame) !== masked(ofLimit.frame)) {
      throw new Error(`the limit's frame differs from ours:\n  ${ofLimit.frame}\n  ${ours.frame}`);
    }
    console.log(row(count, "plain-fastify", ofLimit));
    console.log(row(count, "trpc-fast-path", ours));
    const p99 = (measured: Measured) => percentile(measured.deliveries, 99);
    console.log(
      `${" ".repeat(13)}vs limit: p99 ${(p99(ofLimit) / p99(ours)).toFixed(2)}x, CPU per delivery ` +
        `${(ofLimit.serverCpuMicrosPerDelivery / ours.serverCpuMicrosPerDelivery).toFixed(2)}x (1.00x: as fast, as frugal)`,
    );
  }
  console.log(`load average at the end ${loadavg()[0]!.toFixed(1)}`);
} finally {
  await bus.close();
  await redis.quit();
  await Promise.all([server.stop(), limit.stop()]);
  await database.drop();
  await deleteRedisKeys(redisUrl, `${keyPrefix}*`);
}
if (profiling) for (const summary of await profiling.summaries()) console.log(`\n${summary}`);
