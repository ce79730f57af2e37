// A bounded map for the acceptances the wrapper remembers (validator.ts).

/**
 * At most `limit` entries, the oldest forgotten first, each step in constant
 * time. The insertion order is kept in a ring of keys rather than asked of
 * the Map: after deletions from its front, a Map's first key is found by
 * stepping over every deleted entry it has not compacted yet, which cost
 * microseconds per insertion once the map was full.
 */
export class Recent<V> {
  private readonly entries = new Map<string, V>();
  private readonly order: Array<string | undefined>;
  private next = 0;

  constructor(private readonly limit: number) {
    this.order = new Array<string | undefined>(limit);
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Stores `value` under `key`; a new key takes the place of the oldest once `limit` are held. */
  set(key: string, value: V): void {
    if (!this.entries.has(key)) {
      const oldest = this.order[this.next];
      if (oldest !== undefined) this.entries.delete(oldest);
      this.order[this.next] = key;
      this.next = (this.next + 1) % this.limit;
    }
    this.entries.set(key, value);
  }

  get size(): number {
    return this.entries.size;
  }
}
