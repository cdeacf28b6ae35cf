import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** A Lua script that Redis runs on its own, as one step. */
export interface RedisScript {
  /** Its SHA-1 digest, by which Redis knows it. */
  readonly digest: string;
  run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown>;
}

/**
 * Runs by its SHA-1 digest (EVALSHA): the source crosses the connection, and Redis hashes and
 * looks it up, only when a server does not know it yet (first use, a restart, SCRIPT FLUSH).
 * EVAL would send and hash the whole source on every call, which is most of what a short
 * script costs on a hot path.
 */
export function redisScript(source: string): RedisScript {
  const digest = createHash("sha1").update(source).digest("hex");
  return {
    digest,
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(digest, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
