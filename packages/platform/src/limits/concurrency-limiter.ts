/**
 * Caps how many of something one key (such as a client address) holds open at once: sockets,
 * event streams, subscriptions. Each one held is a lease, freed when it closes.
 */
export interface ConcurrencyLimiter {
  /** Takes a lease on `key` while fewer than `limit` are held; resolves its release, or null past the cap. */
  acquire(key: string, limit: number): Promise<(() => void) | null>;
  /** Stops renewing the leases this instance holds; they lapse unless released first. */
  close(): void;
}
