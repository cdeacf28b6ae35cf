import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { EventBus } from "@seed/platform";
import { type ApiKeyCache, type ApiKeyRecord, createApiKeyCache, sessionInvalidator } from "../src";
import { busImplementations, quitRedisConnections } from "./instance-buses";

const caches: ApiKeyCache[] = [];
afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await quitRedisConnections();
});

async function listeningCache(events: EventBus): Promise<ApiKeyCache> {
  const cache = createApiKeyCache(events);
  caches.push(cache);
  await vi.waitFor(() => expect(cache.listening).toBe(true));
  return cache;
}

function key(ownerId: string = randomUUID()): ApiKeyRecord {
  return {
    keyId: randomUUID(),
    publicId: randomBytes(8).toString("hex"),
    secretHash: "hash",
    scopes: ["order:create"],
    expiresAt: new Date(Date.now() + 3_600_000),
    quota: null,
    owner: { id: ownerId, email: "ada@example.com", createdAt: new Date(), accessVersion: 1 },
  };
}

describe.each(busImplementations)("the API key cache over the %s event bus", (_name, instances) => {
  it("drops a revoked key at once here, and on another instance when the revocation arrives", async () => {
    const [here, there] = instances();
    const [local, remote] = [await listeningCache(here), await listeningCache(there)];
    const revoked = key();
    const kept = key(revoked.owner.id);
    for (const cache of [local, remote]) for (const entry of [revoked, kept]) cache.remember(cache.generation, entry);

    const announced = local.invalidate({ userId: revoked.owner.id, publicId: revoked.publicId });
    expect(local.get(revoked.publicId)).toBeUndefined();
    await announced;
    await vi.waitFor(() => expect(remote.get(revoked.publicId)).toBeUndefined());
    expect(remote.get(kept.publicId)).toEqual(kept);
  });

  it("drops every key of a user whose sessions were all invalidated (a change of access), not for one session", async () => {
    const [here, there] = instances();
    const cache = await listeningCache(there);
    const owned = key();
    const someoneElse = key();
    for (const entry of [owned, someoneElse]) cache.remember(cache.generation, entry);

    await sessionInvalidator(here).invalidate({ userId: owned.owner.id, sessionId: randomUUID() });
    await sessionInvalidator(here).invalidate({ userId: someoneElse.owner.id, sessionId: null });
    await vi.waitFor(() => expect(cache.get(someoneElse.publicId)).toBeUndefined());
    expect(cache.get(owned.publicId)).toEqual(owned);
  });

  it("does not remember a read that began before its key was revoked", async () => {
    const cache = await listeningCache(instances()[0]);
    const revoked = key();
    const readAt = cache.generation;
    await cache.invalidate({ userId: revoked.owner.id, publicId: revoked.publicId });
    cache.remember(readAt, revoked);
    expect(cache.get(revoked.publicId)).toBeUndefined();
  });

  it("gives a key's match only for that very key, and only while its record is the cache's own", async () => {
    const [here, there] = instances();
    const cache = await listeningCache(there);
    const revoked = key();
    const owner = key();
    const presented = `seed_${revoked.publicId}_secret`;
    const ownersKey = `seed_${owner.publicId}_secret`;
    for (const [entry, whole] of [
      [revoked, presented],
      [owner, ownersKey],
    ] as const) {
      cache.remember(cache.generation, entry);
      cache.matched(whole, entry);
    }
    expect(cache.matching(presented)).toBe(revoked);
    expect(cache.matching(`${presented}x`)).toBeUndefined();
    expect(cache.matching(presented.slice(0, -1))).toBeUndefined();

    // Revoked on another instance; then the owner's access changes.
    await (await listeningCache(here)).invalidate({ userId: revoked.owner.id, publicId: revoked.publicId });
    await vi.waitFor(() => expect(cache.matching(presented)).toBeUndefined());
    await sessionInvalidator(here).invalidate({ userId: owner.owner.id, sessionId: null });
    await vi.waitFor(() => expect(cache.matching(ownersKey)).toBeUndefined());

    // Read again, a record is a new one: the old match does not vouch for it.
    cache.remember(cache.generation, { ...revoked });
    expect(cache.matching(presented)).toBeUndefined();
  });

  it("asks for the last use to be written at most once a minute, and tells a new address apart", async () => {
    const cache = await listeningCache(instances()[0]);
    const { keyId } = key();
    const now = Date.now();
    expect(cache.noteUse(keyId, "203.0.113.1", now)).toEqual({ lastUseDue: true, newAddressHere: true });
    expect(cache.noteUse(keyId, "203.0.113.1", now + 59_999)).toEqual({ lastUseDue: false, newAddressHere: false });
    expect(cache.noteUse(keyId, "203.0.113.2", now + 60_000)).toEqual({ lastUseDue: true, newAddressHere: true });
  });
});
