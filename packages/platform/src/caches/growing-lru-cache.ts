import { LRUCache } from "lru-cache";

/**
 * A cache of at most `maxEntries` entries, the least recently used dropped first, that takes
 * memory as it fills. Given `max`, lru-cache sets aside every slot at once, about 28 bytes an
 * entry (2.8 MiB for 100,000) in every process, used or not; counted as one unit of size each
 * instead, its entries are bounded the same and its lists grow with use.
 */
export function growingLruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  maxEntries: number,
): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: maxEntries, sizeCalculation: () => 1 });
}
