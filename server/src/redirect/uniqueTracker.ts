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
  /** Expiry of the front (oldest) entry, or earlier: a lower bound, so a sweep before it finds nothing. */
  private nextExpiry = Infinity;

  constructor(
    readonly windowMs = 60 * 60 * 1000,
    /** Memory bound; past it the oldest keys go first (they would expire first anyway). */
    readonly maxKeys = 500_000,
  ) {}

  /** True when none of `keys` was seen within the window; records all of them either way. */
  check(keys: string[], now: number): boolean {
    if (keys.length === 2) return this.checkPair(keys[0]!, keys[1]!, now);
    this.sweep(now);
    let unique = true;
    for (const key of keys) {
      const expires = this.seen.get(key);
      if (expires !== undefined && expires > now) unique = false;
    }
    for (const key of keys) this.remember(key, this.seen.get(key), now);
    this.bound();
    return unique;
  }

  /**
   * `check([a, b], now)` without the array (the redirect calls this once per visit): one lookup per key.
   * `aIsNew`: the caller knows `a` cannot have been seen (it contains a visitor id minted just now), so
   * its lookup is skipped.
   */
  checkPair(a: string, b: string, now: number, aIsNew = false): boolean {
    this.sweep(now);
    const ea = aIsNew ? undefined : this.seen.get(a);
    const eb = this.seen.get(b);
    const unique = !(ea !== undefined && ea > now) && !(eb !== undefined && eb > now);
    this.remember(a, ea, now);
    this.remember(b, eb, now);
    this.bound();
    return unique;
  }

  private remember(key: string, expires: number | undefined, now: number): void {
    if (expires !== undefined && expires > now) return;
    // An expired key is deleted first so the re-inserted one moves to the back (insertion order = expiry order).
    if (expires !== undefined) this.seen.delete(key);
    if (this.seen.size === 0) this.nextExpiry = now + this.windowMs;
    this.seen.set(key, now + this.windowMs);
  }

  private bound(): void {
    while (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    // The front entry expires first: until then there is nothing to sweep (no iterator per visit).
    if (now < this.nextExpiry) return;
    this.nextExpiry = Infinity;
    for (const [key, expires] of this.seen) {
      if (expires > now) {
        this.nextExpiry = expires;
        break;
      }
      this.seen.delete(key);
    }
  }
}
