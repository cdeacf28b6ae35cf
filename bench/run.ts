/**
 * `pnpm bench [--quick] [--profile] [--scenario <name>]...`: measures the server's hot paths
 * against the same work done without our layers, on real Postgres and Redis, each server in a process of its own, all
 * on this machine's loopback. See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { createBenchDatabase } from "./bench-database";
import { deleteRedisKeys } from "./redis-keys";
import { signInBenchUser } from "./bench-session";
import { summarizeCpuProfile } from "./cpu-profile";
import { applyLoad, sampleResponse, type LoadShape, type ResponseSample } from "./load";
import { measureIdleMemory, type IdleMemory } from "./idle-memory";
import {
  formatFailures,
  formatIdleMemory,
  formatProfile,
  formatTable,
  writeReport,
  type ResultRow,
  type RunReport,
} from "./report";
import { scenarios, type BenchFixture, type Scenario } from "./scenarios";
import { buildServers, mainThreadProfile, startServerProcess } from "./server-process-handle";
import type { ServerVariant } from "./server-variants";

const RESULTS_DIRECTORY = new URL("./results/", import.meta.url);
const TOP_PROFILE_ENTRIES = 15;
const BUSY_LOAD_AVERAGE = 0.5;
// A full run measures every server several times, in turns, and keeps the median: load from
// elsewhere on a shared machine then weighs on every server alike instead of on one.
const LOAD = {
  quick: { connections: 50, warmupSeconds: 1, durationSeconds: 3, rounds: 1 },
  full: { connections: 50, warmupSeconds: 2, durationSeconds: 5, rounds: 3 },
};

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    scenario: { type: "string", multiple: true },
  },
});
const mode = options.quick ? "quick" : "full";
// A profile says where the time goes, which one round tells as well as three.
const load = options.profile ? { ...LOAD[mode], rounds: 1 } : LOAD[mode];
const chosenScenarios = options.scenario
  ? scenarios.filter((scenario) => options.scenario!.includes(scenario.name))
  : scenarios;
if (chosenScenarios.length === 0) {
  throw new Error(
    `no scenario is named ${options.scenario?.join(" or ")}; there are: ${scenarios.map((s) => s.name).join(", ")}`,
  );
}

// Server and load generator share this machine's cores: anything else running skews the figures.
const loadAverageAtStart = loadavg()[0]!;
if (loadAverageAtStart > BUSY_LOAD_AVERAGE) {
  console.warn(`The 1-minute load average is ${loadAverageAtStart.toFixed(1)}: other processes will skew the figures.`);
}

buildServers();
const runId = randomBytes(4).toString("hex");
const startedAt = new Date().toISOString();
const database = await createBenchDatabase(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** What every server the bench starts runs with. */
const PRODUCTION = { NODE_ENV: "production", LOG_LEVEL: "silent", JWT_SECRET: randomBytes(48).toString("base64url") };
let serverCount = 0;

function redisKeyPrefix(): string {
  serverCount += 1;
  return `seed-bench:${runId}:${serverCount}:`;
}

/** One server process's settings: production mode, silent, on loopback, with its own Redis keys. */
function serverEnvironment(): Record<string, string> {
  return {
    ...PRODUCTION,
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix(),
    ACCESS_TOKEN_TTL_SECONDS: "3600",
    // The limiter still counts every request in Redis; it is only given a budget the load cannot
    // exhaust, since the bench measures serving, not refusing.
    RATE_LIMIT_MAX: "1000000",
    ORDER_RATE_LIMIT_MAX: "1000000",
    API_KEY_RATE_LIMIT_MAX: "1000000",
    // As in production (docs/production.md), a server with Redis only queues its jobs: the
    // worker's process takes the payments, so their work is not counted as serving.
    JOBS_RUN_IN_SERVER: "false",
  };
}

let fixture: BenchFixture | null = null;
const referenceResponses = new Map<Scenario, ResponseSample>();

async function measure(scenario: Scenario, server: ServerVariant, shape: LoadShape & { warmupSeconds: number }) {
  const name = `${runId}-${scenario.name.replaceAll(" ", "-")}-${server}`;
  const profileTarget = options.profile
    ? { dir: fileURLToPath(new URL(`${name}.cpuprofile/`, RESULTS_DIRECTORY)) }
    : null;
  const serverProcess = await startServerProcess(server, serverEnvironment(), profileTarget);
  let measured;
  try {
    fixture ??= { ...(await signInBenchUser(serverProcess.baseUrl)), productIds: database.productIds };
    const request = scenario.request(fixture);
    const sample = comparableSample(scenario, await sampleResponse(serverProcess.baseUrl, request));
    if (sample.status !== 200) throw new Error(`answers ${describe(sample)}`);
    // The first server to answer sets what every other one must answer, byte for byte.
    const reference = referenceResponses.get(scenario);
    if (!reference) referenceResponses.set(scenario, sample);
    else if (!isDeepStrictEqual(sample, reference)) {
      throw new Error(`answers ${describe(sample)}, where another server answers ${describe(reference)}`);
    }

    console.log(
      `${scenario.name} on ${server}: warming up ${shape.warmupSeconds}s, measuring ${shape.durationSeconds}s`,
    );
    await applyLoad(serverProcess.baseUrl, request, { ...shape, durationSeconds: shape.warmupSeconds });
    serverProcess.loadStarted();
    const measurement = await applyLoad(serverProcess.baseUrl, request, shape);
    measured = { measurement, report: await serverProcess.loadFinished() };
  } finally {
    await serverProcess.stop();
  }
  // The profile exists only once the process has exited.
  const profile = profileTarget
    ? await summarizeCpuProfile(
        await mainThreadProfile(profileTarget),
        measured.report.loadWindowMicros,
        TOP_PROFILE_ENTRIES,
      )
    : null;
  const { measurement, report } = measured;
  const cpuMicrosPerRequest = report.cpuMicros / measurement.requests;
  return { ...measurement, rssBytes: report.rssBytes, cpuMicrosPerRequest, profile };
}

function comparableSample(scenario: Scenario, sample: ResponseSample): ResponseSample {
  return scenario.comparable ? { ...sample, body: scenario.comparable(sample.body) } : sample;
}

function describe(sample: ResponseSample): string {
  const body = sample.body.length > 200 ? `${sample.body.slice(0, 200)}...` : sample.body;
  return `${sample.status} (${sample.contentType}) ${body}`;
}

type Measured = Awaited<ReturnType<typeof measure>>;
interface Attempts {
  measured: Measured[];
  failure: string | null;
}
const attempts = new Map<Scenario, Map<ServerVariant, Attempts>>(
  chosenScenarios.map((scenario) => [
    scenario,
    new Map([scenario.limit, ...scenario.compared].map((server) => [server, { measured: [], failure: null }])),
  ]),
);

let idleMemory: IdleMemory[] = [];
try {
  console.log(`idle memory: starting apps/server/dist/main.js on Postgres, then twice on PGlite`);
  idleMemory = await measureIdleMemory({
    postgres: { ...PRODUCTION, DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: redisKeyPrefix() },
    pglite: PRODUCTION,
  });
  for (let round = 1; round <= load.rounds; round += 1) {
    if (load.rounds > 1) console.log(`round ${round} of ${load.rounds}`);
    for (const [scenario, servers] of attempts) {
      for (const [server, attempt] of servers) {
        if (attempt.failure) continue;
        try {
          attempt.measured.push(await measure(scenario, server, load));
        } catch (error) {
          // One server refusing a scenario must not hide what the others measure.
          attempt.failure = error instanceof Error ? error.message : String(error);
        }
      }
    }
  }
} finally {
  await database.drop();
  await deleteRedisKeys(REDIS_URL, `seed-bench:${runId}:*`);
}

/** The round with the median throughput (the lower one of the two middle rounds for an even count). */
function medianRound(measured: Measured[]): Measured {
  const ranked = [...measured].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return ranked[Math.floor((ranked.length - 1) / 2)]!;
}

const rows: ResultRow[] = [...attempts].flatMap(([scenario, servers]) => {
  const limitAttempt = servers.get(scenario.limit)!;
  const limit = limitAttempt.failure ? null : medianRound(limitAttempt.measured);
  return [...servers].map(([server, attempt]): ResultRow => {
    const identity = { scenario: scenario.name, server, limit: scenario.limit, target: scenario.target };
    if (attempt.failure) return { ...identity, outcome: "failed", reason: attempt.failure };
    const median = medianRound(attempt.measured);
    return {
      ...identity,
      outcome: "measured",
      ...median,
      requestsPerSecondByRound: attempt.measured.map((measured) => measured.requestsPerSecond),
      throughputRatio: limit && median.requestsPerSecond / limit.requestsPerSecond,
      cpuRatio: limit && limit.cpuMicrosPerRequest / median.cpuMicrosPerRequest,
    };
  });
});

const report: RunReport = {
  startedAt,
  mode,
  profiled: options.profile,
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverage: { atStart: loadAverageAtStart, atEnd: loadavg()[0]! },
  },
  commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(),
  load,
  idleMemory,
  rows,
};
console.log(`\n${formatIdleMemory(idleMemory)}\n\n${formatTable(rows)}\n`);
if (options.profile) {
  console.log("Profiled run: CPU profiling slows every server, compare its figures only with each other.\n");
  for (const row of rows) if (row.outcome === "measured") console.log(`${formatProfile(row)}\n`);
}
console.log(`written to ${await writeReport(RESULTS_DIRECTORY, report)}`);
const failures = formatFailures(rows);
if (failures) {
  console.error(`\n${failures}`);
  process.exitCode = 1;
}
