import type { ConcurrencyLimiter } from "./concurrency-limiter";

/** The embedded default: one process holds every lease, so a count per key is enough. */
export function createInProcessConcurrencyLimiter(): ConcurrencyLimiter {
  const held = new Map<string, number>();
  return {
    async acquire(key, limit) {
      const count = held.get(key) ?? 0;
      if (count >= limit) return null;
      held.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const remaining = (held.get(key) ?? 1) - 1;
        if (remaining === 0) held.delete(key);
        else held.set(key, remaining);
      };
    },
    close() {},
  };
}
