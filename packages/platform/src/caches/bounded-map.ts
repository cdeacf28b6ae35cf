/**
 * A map for what a process keeps on behalf of its callers, which must not grow with them: setting
 * a key makes its entry the newest, and past `capacity` entries the oldest one is dropped.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    if (this.size >= this.capacity) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}
