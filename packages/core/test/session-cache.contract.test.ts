import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createRedisEventBus, type EventBus } from "@seed/platform";
import {
  createSessionCache,
  defaultSessionCacheOptions,
  type SessionCache,
  type SessionCacheOptions,
  type SessionRecord,
} from "../src";
import { cutSubscriberConnection } from "../../platform/test/subscriber-connection";
import { busImplementations, quitRedisConnections, redisConnection, redisTestPrefix, redisUrl } from "./instance-buses";

const caches: SessionCache[] = [];
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await quitRedisConnections();
});

async function listeningCache(events: EventBus, options: Partial<SessionCacheOptions> = {}): Promise<SessionCache> {
  const cache = createSessionCache(events, { ...defaultSessionCacheOptions, ...options });
  caches.push(cache);
  await vi.waitFor(() => expect(cache.listening).toBe(true));
  return cache;
}

function session(userId: string = randomUUID()): SessionRecord {
  return { id: userId, email: "ada@example.com", createdAt: new Date(), accessVersion: 1, sessionId: randomUUID() };
}

const inAnHour = () => new Date(Date.now() + 3_600_000);

describe.each(busImplementations)("the session cache over the %s event bus", (_name, instances) => {
  it("serves a session it remembered, and no other", async () => {
    const cache = await listeningCache(instances()[0]);
    const remembered = session();
    cache.remember(cache.generation, remembered, inAnHour());
    expect(cache.get(remembered.sessionId)).toEqual(remembered);
    expect(cache.get(randomUUID())).toBeUndefined();
  });

  it("does not remember a read that began before an invalidation of its user", async () => {
    const cache = await listeningCache(instances()[0]);
    const [revoked, signedOutEverywhere, someoneElse] = [session(), session(), session()];
    const readAt = cache.generation;
    await cache.invalidate({ userId: revoked.id, sessionId: revoked.sessionId });
    await cache.invalidate({ userId: signedOutEverywhere.id, sessionId: null });
    for (const read of [revoked, signedOutEverywhere, someoneElse]) cache.remember(readAt, read, inAnHour());
    expect(cache.get(revoked.sessionId)).toBeUndefined();
    expect(cache.get(signedOutEverywhere.sessionId)).toBeUndefined();
    expect(cache.get(someoneElse.sessionId)).toEqual(someoneElse);
  });

  it("drops a session on this instance at once, and on another when the invalidation arrives", async () => {
    const [here, there] = instances();
    const [local, remote] = [await listeningCache(here), await listeningCache(there)];
    const revoked = session();
    const kept = session(revoked.id);
    for (const cache of [local, remote]) {
      cache.remember(cache.generation, revoked, inAnHour());
      cache.remember(cache.generation, kept, inAnHour());
    }

    const announced = local.invalidate({ userId: revoked.id, sessionId: revoked.sessionId });
    expect(local.get(revoked.sessionId)).toBeUndefined();
    await announced;
    await vi.waitFor(() => expect(remote.get(revoked.sessionId)).toBeUndefined());
    expect(local.get(kept.sessionId)).toEqual(kept);
    expect(remote.get(kept.sessionId)).toEqual(kept);
  });

  it("drops every session of a user whose access changed, and only theirs", async () => {
    const [here, there] = instances();
    const [local, remote] = [await listeningCache(here), await listeningCache(there)];
    const first = session();
    const second = session(first.id);
    const someoneElse = session();
    for (const entry of [first, second, someoneElse]) remote.remember(remote.generation, entry, inAnHour());

    await local.invalidate({ userId: first.id, sessionId: null });
    await vi.waitFor(() => expect(remote.get(first.sessionId)).toBeUndefined());
    expect(remote.get(second.sessionId)).toBeUndefined();
    expect(remote.get(someoneElse.sessionId)).toEqual(someoneElse);
  });

  it("never serves a session past its expiry, nor an entry past its time to live", async () => {
    const cache = await listeningCache(instances()[0]);
    const expired = session();
    cache.remember(cache.generation, expired, new Date(Date.now() - 1));
    expect(cache.get(expired.sessionId)).toBeUndefined();

    const shortLived = await listeningCache(instances()[0], { ttlMs: 0 });
    const entry = session();
    shortLived.remember(shortLived.generation, entry, inAnHour());
    expect(shortLived.get(entry.sessionId)).toBeUndefined();
  });

  it("keeps at most its bound of entries, dropping the least recently used", async () => {
    const cache = await listeningCache(instances()[0], { maxEntries: 2 });
    const [first, second, third] = [session(), session(), session()];
    cache.remember(cache.generation, first, inAnHour());
    cache.remember(cache.generation, second, inAnHour());
    // Read last, the first is kept over the second when a third comes.
    expect(cache.get(first.sessionId)).toEqual(first);
    cache.remember(cache.generation, third, inAnHour());
    expect(cache.get(second.sessionId)).toBeUndefined();
    expect(cache.get(first.sessionId)).toEqual(first);
    expect(cache.get(third.sessionId)).toEqual(third);
  });

  it("serves and remembers nothing once it stopped listening", async () => {
    const cache = await listeningCache(instances()[0]);
    const remembered = session();
    cache.remember(cache.generation, remembered, inAnHour());
    await cache.close();
    expect(cache.listening).toBe(false);
    expect(cache.get(remembered.sessionId)).toBeUndefined();
    cache.remember(cache.generation, remembered, inAnHour());
    expect(cache.get(remembered.sessionId)).toBeUndefined();
  });
});

describe.runIf(redisUrl)("the session cache while the Redis event bus is cut off", () => {
  it("serves nothing until it is connected again, then nothing it remembered before", async () => {
    const redis = redisConnection();
    const prefix = redisTestPrefix();
    const bus = createRedisEventBus(redis, prefix);
    const cache = await listeningCache(bus);
    const remembered = session();
    cache.remember(cache.generation, remembered, inAnHour());
    const readBeforeTheCut = session();
    const readAt = cache.generation;

    // The cache heard first (it watched first): what it does then is what a request would meet.
    const whileCutOff: { listening: boolean; served: SessionRecord | undefined }[] = [];
    const reconnected = new Promise<void>((resolve) => {
      bus.onConnectivityChange((connected) => {
        if (!connected) whileCutOff.push({ listening: cache.listening, served: cache.get(remembered.sessionId) });
        else if (whileCutOff.length > 0) resolve();
      });
    });
    await cutSubscriberConnection(redis, prefix);
    await reconnected;

    expect(whileCutOff).toEqual([{ listening: false, served: undefined }]);
    expect(cache.listening).toBe(true);
    expect(cache.get(remembered.sessionId)).toBeUndefined();
    cache.remember(readAt, readBeforeTheCut, inAnHour());
    expect(cache.get(readBeforeTheCut.sessionId)).toBeUndefined();
    const readAfter = session();
    cache.remember(cache.generation, readAfter, inAnHour());
    expect(cache.get(readAfter.sessionId)).toEqual(readAfter);
  });
});
