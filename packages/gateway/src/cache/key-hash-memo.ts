/**
 * Raw gateway key → its SHA-256 (`gw:key:<hash>`), remembered for keys that authenticated,
 * so a busy key is not hashed again on every request. Bounded: past `max` entries the oldest
 * goes. Only keys the registry knew are remembered, so random bearer tokens never fill it.
 * The hash of a raw key never changes, so an entry needs no eviction when the key record is
 * edited or deleted (the record itself lives in the registry cache).
 */
export class KeyHashMemo {
  private readonly map = new Map<string, string>();

  constructor(readonly max = 1024) {}

  /** The remembered hash of a raw key, or undefined. */
  get(raw: string): string | undefined {
    return this.map.get(raw);
  }

  /** Remember the hash of a raw key the registry knows (not remembered yet). */
  remember(raw: string, hash: string): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(raw, hash);
  }

  get size(): number {
    return this.map.size;
  }
}
