/** A small LRU map with a time-to-live; the clock is injected (tests pass their own). */
export class TtlLru<K, V> {
  private readonly items = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: K): V | undefined {
    const e = this.items.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.items.delete(key);
      return undefined;
    }
    // Refresh recency.
    this.items.delete(key);
    this.items.set(key, e);
    return e.value;
  }

  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.items.size > this.max) {
      const oldest = this.items.keys().next().value as K;
      this.items.delete(oldest);
    }
  }

  /** Adds the key; false when it was already there (and not expired). */
  add(key: K, value: V): boolean {
    if (this.get(key) !== undefined) return false;
    this.set(key, value);
    return true;
  }

  delete(key: K): void {
    this.items.delete(key);
  }

  get size(): number {
    return this.items.size;
  }
}
