import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  createInProcessLoginThrottle,
  createRedisLoginThrottle,
  lockoutAfter,
  type LoginThrottle,
  type ThrottledKey,
} from "../src";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(() => Promise.all(connections.map((redis) => redis.quit())));
afterEach(() => vi.useRealTimers());

interface Implementation {
  create(): LoginThrottle;
  /** Lets the lock-out of `key`, `lockedMs` long, run out, as the clock would. */
  letLockOutPass(throttle: LoginThrottle, key: string, lockedMs: number): Promise<void>;
}

const inProcess: Implementation = {
  create() {
    vi.useFakeTimers({ toFake: ["Date"] });
    return createInProcessLoginThrottle();
  },
  async letLockOutPass(_throttle, _key, lockedMs) {
    vi.setSystemTime(Date.now() + lockedMs);
  },
};

const redisOf = new WeakMap<LoginThrottle, { redis: Redis; prefix: string }>();
const redisBacked: Implementation = {
  create() {
    const redis = new Redis(redisUrl!);
    connections.push(redis);
    const prefix = `seed-test:${randomBytes(4).toString("hex")}:`;
    const throttle = createRedisLoginThrottle(redis, prefix);
    redisOf.set(throttle, { redis, prefix });
    return throttle;
  },
  // Redis's clock cannot be moved; the lock key's expiry is what the passing time would do.
  async letLockOutPass(throttle, key) {
    const { redis, prefix } = redisOf.get(throttle)!;
    await redis.del(`${prefix}login:lock:${key}`);
  },
};

const implementations: [string, Implementation][] = [["in-process", inProcess]];
if (redisUrl) implementations.push(["redis", redisBacked]);

/** One attempt that turns out wrong. Fails the test when the attempt was refused. */
async function failedAttempt(throttle: LoginThrottle, keys: ThrottledKey[]): Promise<void> {
  const reservation = await throttle.reserveAttempt(keys);
  if (reservation.status !== "reserved")
    throw new Error(`expected a reservation, locked out ${reservation.retryAfterMs} ms`);
  await reservation.recordFailure();
}

/** How long `keys` must wait before an attempt; 0 when one may start (and is given back at once). */
async function retryAfterMs(throttle: LoginThrottle, keys: ThrottledKey[]): Promise<number> {
  const reservation = await throttle.reserveAttempt(keys);
  if (reservation.status === "locked-out") return reservation.retryAfterMs;
  await reservation.release();
  return 0;
}

describe("the lock-out schedule", () => {
  it("allows the free attempts, then doubles from 30 seconds up to 15 minutes", () => {
    expect([4, 5, 6, 7, 20].map((failures) => lockoutAfter(failures, 5))).toEqual([
      0, 30_000, 60_000, 120_000, 900_000,
    ]);
  });
});

describe.each(implementations)("the %s login throttle", (_name, implementation) => {
  const account = (label: string): ThrottledKey => ({ key: `account:${label}`, freeAttempts: 3 });

  it("lets a key try until its free attempts are spent, then locks it out", async () => {
    const throttle = implementation.create();
    const key = account("a");
    for (let attempt = 0; attempt < 2; attempt += 1) await failedAttempt(throttle, [key]);
    expect(await retryAfterMs(throttle, [key])).toBe(0);
    await failedAttempt(throttle, [key]);
    const locked = await retryAfterMs(throttle, [key]);
    expect(locked).toBeGreaterThan(25_000);
    expect(locked).toBeLessThanOrEqual(30_000);
  });

  it("lets exactly the free attempts through a burst of parallel ones, and counts none of the refused", async () => {
    const throttle = implementation.create();
    const key = account("burst");
    const burst = await Promise.all(Array.from({ length: 20 }, () => throttle.reserveAttempt([key])));
    const reserved = burst.filter((reservation) => reservation.status === "reserved");
    expect(reserved).toHaveLength(3);
    // While the three are in flight, the others are told the lock-out their failures would bring.
    for (const refused of burst.filter((reservation) => reservation.status === "locked-out")) {
      expect(refused.retryAfterMs).toBe(lockoutAfter(3, 3));
    }

    await Promise.all(reserved.map((reservation) => reservation.recordFailure()));
    const locked = await retryAfterMs(throttle, [key]);
    expect(locked).toBeGreaterThan(25_000);
    expect(locked).toBeLessThanOrEqual(lockoutAfter(3, 3));
  });

  it("frees the place of an attempt in flight once it is given back", async () => {
    const throttle = implementation.create();
    const key = account("in-flight");
    await failedAttempt(throttle, [key]);
    const [first, second] = await Promise.all([throttle.reserveAttempt([key]), throttle.reserveAttempt([key])]);
    expect((await throttle.reserveAttempt([key])).status).toBe("locked-out");
    if (first?.status !== "reserved" || second?.status !== "reserved") throw new Error("expected two reservations");
    await first.release();
    await failedAttempt(throttle, [key]);
    await second.release();
    expect(await retryAfterMs(throttle, [key])).toBe(0);
  });

  it("counts nothing for attempts given back, however many, and keeps the failures before them", async () => {
    const throttle = implementation.create();
    const key = account("owner");
    for (let attempt = 0; attempt < 2; attempt += 1) await failedAttempt(throttle, [key]);
    for (let attempt = 0; attempt < 10; attempt += 1) expect(await retryAfterMs(throttle, [key])).toBe(0);
    await failedAttempt(throttle, [key]);
    expect(await retryAfterMs(throttle, [key])).toBeGreaterThan(0);
  });

  it("settles a reservation once, by whichever of failure and release comes first", async () => {
    const throttle = implementation.create();
    const key = account("settled");
    const released = await throttle.reserveAttempt([key]);
    if (released.status !== "reserved") throw new Error("expected a reservation");
    await released.release();
    await released.recordFailure();
    const failed = await throttle.reserveAttempt([key]);
    if (failed.status !== "reserved") throw new Error("expected a reservation");
    await failed.recordFailure();
    await failed.recordFailure();
    await failed.release();
    // One failure so far: two more lock the key, not one.
    await failedAttempt(throttle, [key]);
    expect(await retryAfterMs(throttle, [key])).toBe(0);
    await failedAttempt(throttle, [key]);
    expect(await retryAfterMs(throttle, [key])).toBeGreaterThan(0);
  });

  it("locks longer with every further failure, once each lock-out has passed", async () => {
    const throttle = implementation.create();
    const key = account("b");
    for (let attempt = 0; attempt < 3; attempt += 1) await failedAttempt(throttle, [key]);
    for (const failures of [4, 5, 6, 7, 8]) {
      await implementation.letLockOutPass(throttle, key.key, lockoutAfter(failures - 1, key.freeAttempts));
      await failedAttempt(throttle, [key]);
      const locked = await retryAfterMs(throttle, [key]);
      expect(locked).toBeGreaterThan(lockoutAfter(failures, key.freeAttempts) - 5_000);
      expect(locked).toBeLessThanOrEqual(lockoutAfter(failures, key.freeAttempts));
    }
  });

  it("answers for the most locked of several keys, counts each of them, and keeps keys apart", async () => {
    const throttle = implementation.create();
    const locked = account("c");
    const other = account("d");
    for (let attempt = 0; attempt < 3; attempt += 1) await failedAttempt(throttle, [locked]);
    expect(await retryAfterMs(throttle, [other])).toBe(0);
    expect(await retryAfterMs(throttle, [other, locked])).toBeGreaterThan(0);

    const wide = { key: "ip:shared", freeAttempts: 10 };
    for (let attempt = 0; attempt < 3; attempt += 1) await failedAttempt(throttle, [other, wide]);
    expect(await retryAfterMs(throttle, [other])).toBeGreaterThan(0);
    expect(await retryAfterMs(throttle, [wide])).toBe(0);
  });

  it("forgets a key's failures on reset", async () => {
    const throttle = implementation.create();
    const key = account("e");
    for (let attempt = 0; attempt < 3; attempt += 1) await failedAttempt(throttle, [key]);
    await throttle.reset(key.key);
    expect(await retryAfterMs(throttle, [key])).toBe(0);
    await failedAttempt(throttle, [key]);
    expect(await retryAfterMs(throttle, [key])).toBe(0);
  });
});

describe.skipIf(!redisUrl)("the redis login throttle across instances", () => {
  const twoInstances = () => {
    const prefix = `seed-test:${randomBytes(4).toString("hex")}:`;
    const [a, b] = [new Redis(redisUrl!), new Redis(redisUrl!)];
    connections.push(a, b);
    return [createRedisLoginThrottle(a, prefix), createRedisLoginThrottle(b, prefix)] as const;
  };

  it("counts failures made through different instances together", async () => {
    const [onA, onB] = twoInstances();
    const key = { key: "account:spread", freeAttempts: 2 };
    await failedAttempt(onA, [key]);
    await failedAttempt(onB, [key]);
    expect(await retryAfterMs(onA, [key])).toBeGreaterThan(0);
  });

  it("lets exactly the free attempts through a burst spread over instances", async () => {
    const [onA, onB] = twoInstances();
    const key = { key: "account:burst", freeAttempts: 5 };
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? onA : onB).reserveAttempt([key])),
    );
    expect(burst.filter((reservation) => reservation.status === "reserved")).toHaveLength(5);
  });
});
