/**
 * `pnpm bench:enumeration [--rounds 30]`: whether the time of an answer tells if an address has
 * an account. Prints, side by side, the median time of signing up with a taken address and with
 * a free one, and of asking a password reset for a known address and for an unknown one. A real
 * server runs in this process, embedded, or on Postgres and Redis when DATABASE_URL and REDIS_URL
 * are set. A measurement to read, never a pass or a fail.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadConfig } from "@seed/config";
import { createServer } from "@seed/server";
import { deleteRedisKeys } from "./redis-keys";

const { values: options } = parseArgs({ options: { rounds: { type: "string", default: "30" } } });
const rounds = Number(options.rounds);
const PASSWORD = "a long bench passphrase";

const keyPrefix = `seed-bench:${randomBytes(4).toString("hex")}:`;
const server = await createServer(
  loadConfig({
    ...process.env,
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    JWT_SECRET: randomBytes(32).toString("base64url"),
    // Every attempt comes from this one address: the sign-in budget would refuse most of them.
    AUTH_RATE_LIMIT_MAX: "10000",
    REDIS_KEY_PREFIX: keyPrefix,
  }),
);
const trpcUrl = `${await server.start()}/trpc`;
const address = (label: string) => `${label}-${randomBytes(6).toString("hex")}@example.com`;

/** How long one call takes, from sending to the end of its answer, in milliseconds. */
async function timed(procedure: string, input: object): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${trpcUrl}/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: input }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${procedure} answered ${response.status}`);
  return performance.now() - started;
}

const median = (samples: number[]) => samples.toSorted((a, b) => a - b)[Math.floor(samples.length / 2)]!;

try {
  const taken = address("taken");
  await timed("auth.register", { email: taken, password: PASSWORD });
  const samples = { taken: [] as number[], free: [] as number[], known: [] as number[], unknown: [] as number[] };
  // Interleaved, so that a slow patch of the machine weighs on both sides alike.
  for (let round = 0; round < rounds; round++) {
    samples.taken.push(await timed("auth.register", { email: taken, password: PASSWORD }));
    samples.free.push(await timed("auth.register", { email: address("free"), password: PASSWORD }));
    samples.known.push(await timed("auth.password.requestReset", { email: taken }));
    samples.unknown.push(await timed("auth.password.requestReset", { email: address("unknown") }));
  }
  const row = (flow: string, a: [string, number[]], b: [string, number[]]) =>
    `${flow.padEnd(16)}${`${a[0]} ${median(a[1]).toFixed(1)} ms`.padEnd(24)}${b[0]} ${median(b[1]).toFixed(1)} ms`;
  console.log(`median of ${rounds} rounds each`);
  console.log(row("sign-up", ["taken", samples.taken], ["free", samples.free]));
  console.log(row("password reset", ["known", samples.known], ["unknown", samples.unknown]));
} finally {
  await server.stop();
  if (process.env.REDIS_URL) await deleteRedisKeys(process.env.REDIS_URL, `${keyPrefix}*`);
}
