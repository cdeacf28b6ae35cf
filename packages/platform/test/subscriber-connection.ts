import type { Redis } from "ioredis";
import { expect } from "vitest";

/**
 * Cuts the subscriber connection of the Redis event bus under `keyPrefix`, as a network failure
 * would: the bus names that connection after its prefix, so it can be found and cut alone.
 */
export async function cutSubscriberConnection(admin: Redis, keyPrefix: string): Promise<void> {
  const clients = (await admin.call("CLIENT", "LIST", "TYPE", "pubsub")) as string;
  const subscriber = clients.split("\n").find((line) => line.includes(` name=${keyPrefix}events `));
  expect(subscriber).toBeDefined();
  await admin.call("CLIENT", "KILL", "ID", /\bid=(\d+)/.exec(subscriber!)![1]!);
}
