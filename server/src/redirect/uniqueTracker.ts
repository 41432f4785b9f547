/**
 * "Same visitor on the same link within an hour counts once": keys seen recently, in process memory.
 * Per instance by design — behind a load balancer without sticky sessions a visitor hopping between
 * instances can be counted once per instance; the cost of sharing this map (a Redis trip per click)
 * is not worth that small overcount.
 *
 * A key's window starts at its first sighting (a fixed window), so entries expire in insertion order
 * and the sweep only ever looks at the front of the Map.
 */
export class UniqueTracker {
  private seen = new Map<string, number>();

  constructor(
    readonly windowMs = 60 * 60 * 1000,
    /** Memory bound; past it the oldest keys go first (they would expire first anyway). */
    readonly maxKeys = 500_000,
  ) {}

  /** True when none of `keys` was seen within the window; records all of them either way. */
  check(keys: string[], now: number): boolean {
    this.sweep(now);
    let unique = true;
    for (const key of keys) {
      const expires = this.seen.get(key);
      if (expires !== undefined && expires > now) unique = false;
    }
    for (const key of keys) {
      const expires = this.seen.get(key);
      if (expires === undefined || expires <= now) {
        // Delete first so the re-inserted key moves to the back (keeps insertion order = expiry order).
        this.seen.delete(key);
        this.seen.set(key, now + this.windowMs);
      }
    }
    while (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
    return unique;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [key, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(key);
    }
  }
}
