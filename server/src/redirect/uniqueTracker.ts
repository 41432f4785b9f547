import crypto from 'node:crypto';

/**
 * "Same visitor on the same link within an hour counts once": keys seen recently, in process memory.
 * Per instance by design — behind a load balancer without sticky sessions a visitor hopping between
 * instances can be counted once per instance; the cost of sharing this table (a Redis trip per click)
 * is not worth that small overcount.
 *
 * A key's window starts at its first sighting (a fixed window), so keys expire in insertion order.
 *
 * Layout (no string and no Map entry per key: the redirect adds up to two keys per click, and a Map of
 * ~400k strings made garbage collection the largest single cost of a click): keys are 53-bit numbers
 * (`uniqueKey`), kept in an open-addressing table (linear probing, backward-shift deletion, load
 * ≤ 1/2) of typed arrays, and a ring of the same keys in insertion order — the ring says which key
 * expires next (the sweep looks only at its front) and which goes first when the bound is reached.
 * Both are allocated at the bound up front: ~48 bytes per key of `maxKeys` (24 MB for the default
 * 500,000), whatever the traffic. They used to grow by doubling, and each doubling rehashed every key
 * at once — 10 ms at 131,000 keys and 21 ms at 262,000 measured, a stall of every request in flight
 * during the first minutes of traffic after a start (the redirect benchmark's first rounds).
 *
 * Error bound: two different visitors collide only when their 53-bit keys are equal; a click then
 * finds the other's key and counts as NOT unique — a collision can only lower the unique count,
 * never raise it. With n keys remembered a new key collides with probability ≤ n / 2^53 (≈ 6·10⁻¹¹ at
 * n = 500,000): about one miscounted click in 18 billion. The hash is seeded per process with random
 * bits, so nobody can craft colliding visitor ids offline. What CAN raise the count is the bound:
 * past `maxKeys` keys within an hour the oldest are forgotten early (as before, oldest first).
 */
export class UniqueTracker {
  /** Open-addressing table: `exp[i] === 0` marks an empty slot. */
  private keys: Float64Array;
  private exp: Float64Array;
  private mask: number;
  private stored = 0;
  /** Insertion-ordered ring of (key, expiry); entries whose expiry no longer matches the table's are stale (skipped). */
  private ringKeys: Float64Array;
  private ringExp: Float64Array;
  private head = 0;
  private queued = 0;

  constructor(
    readonly windowMs = 60 * 60 * 1000,
    /** Memory bound; past it the oldest keys go first (they would expire first anyway). */
    readonly maxKeys = 500_000,
  ) {
    if (!(windowMs > 0) || !Number.isInteger(maxKeys) || maxKeys < 1) throw new Error('UniqueTracker: windowMs > 0 and an integer maxKeys ≥ 1');
    this.ringKeys = new Float64Array(maxKeys);
    this.ringExp = new Float64Array(maxKeys);
    const slots = tableSlots(maxKeys);
    this.keys = new Float64Array(slots);
    this.exp = new Float64Array(slots);
    this.mask = slots - 1;
  }

  /** True when none of `keys` was seen within the window; records all of them either way. */
  check(keys: number[], now: number): boolean {
    this.sweep(now);
    let unique = true;
    for (const key of keys) if (this.live(key, now)) unique = false;
    for (const key of keys) this.remember(key, now);
    return unique;
  }

  /**
   * `check([a, b], now)` without the array (the redirect calls this once per visit).
   * `aIsNew`: the caller knows `a` cannot have been seen (it contains a visitor id minted just now), so
   * its lookup is skipped.
   */
  checkPair(a: number, b: number, now: number, aIsNew = false): boolean {
    this.sweep(now);
    const unique = !(!aIsNew && this.live(a, now)) && !this.live(b, now);
    this.remember(a, now);
    if (b !== a) this.remember(b, now);
    return unique;
  }

  /** Keys remembered (live, or expired but not swept yet). */
  get size(): number {
    return this.stored;
  }

  /** Bytes held by the typed arrays (the memory bound's test reads it). */
  get bytes(): number {
    return this.keys.byteLength + this.exp.byteLength + this.ringKeys.byteLength + this.ringExp.byteLength;
  }

  private live(key: number, now: number): boolean {
    const i = this.slotOf(key);
    return i >= 0 && this.exp[i]! > now;
  }

  /** Starts a key's window unless one is running; an expired entry (clock moved back) starts anew. */
  private remember(key: number, now: number): void {
    const i = this.slotOf(key);
    if (i >= 0) {
      if (this.exp[i]! > now) return;
      this.exp[i] = now + this.windowMs;
      this.enqueue(key, now + this.windowMs);
      return;
    }
    this.enqueue(key, now + this.windowMs);
    let j = homeSlot(key, this.mask);
    while (this.exp[j] !== 0) j = (j + 1) & this.mask;
    this.keys[j] = key;
    this.exp[j] = now + this.windowMs;
    this.stored += 1;
  }

  private slotOf(key: number): number {
    const keys = this.keys;
    const exp = this.exp;
    const mask = this.mask;
    let i = homeSlot(key, mask);
    while (exp[i] !== 0) {
      if (keys[i] === key) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Appends to the ring; a full ring first drops its oldest key. */
  private enqueue(key: number, expires: number): void {
    if (this.queued === this.ringKeys.length) this.dropOldest();
    let at = this.head + this.queued;
    if (at >= this.ringKeys.length) at -= this.ringKeys.length;
    this.ringKeys[at] = key;
    this.ringExp[at] = expires;
    this.queued += 1;
  }

  private dropOldest(): void {
    const key = this.ringKeys[this.head]!;
    const expires = this.ringExp[this.head]!;
    this.head += 1;
    if (this.head === this.ringKeys.length) this.head = 0;
    this.queued -= 1;
    const i = this.slotOf(key);
    // A stale ring entry (its key was started anew later) leaves the table alone.
    if (i >= 0 && this.exp[i] === expires) this.deleteSlot(i);
  }

  /** Linear-probing deletion without tombstones: later keys of the same run move back into the gap. */
  private deleteSlot(gap: number): void {
    const keys = this.keys;
    const exp = this.exp;
    const mask = this.mask;
    let i = gap;
    let j = gap;
    for (;;) {
      j = (j + 1) & mask;
      if (exp[j] === 0) break;
      const home = homeSlot(keys[j]!, mask);
      // The key at j stays when its home lies cyclically in (i, j]: moving it before its home would hide it.
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      keys[i] = keys[j]!;
      exp[i] = exp[j]!;
      i = j;
    }
    exp[i] = 0;
    keys[i] = 0;
    this.stored -= 1;
  }

  private sweep(now: number): void {
    // The front of the ring expires first: until then there is nothing to sweep.
    while (this.queued > 0 && this.ringExp[this.head]! <= now) this.dropOldest();
  }
}

/** A table at most half full when the ring is: the smallest power of two ≥ 2 × ring size. */
function tableSlots(ring: number): number {
  let slots = 16;
  while (slots < ring * 2) slots *= 2;
  return slots;
}

/** The low 32 bits of a key are a full 32-bit hash lane: their low bits pick the slot. */
function homeSlot(key: number, mask: number): number {
  return (key >>> 0) & mask;
}

// Per-process random seeds: the key of a given visitor cannot be predicted (nor a collision crafted) from outside.
const SEEDS = new Int32Array(crypto.randomBytes(8).buffer);
const SEED_1 = SEEDS[0]!;
const SEED_2 = SEEDS[1]!;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A 53-bit key for the strings `a` and `b` under the 64-bit `seed` (two 32-bit halves, e.g. one per
 * link and key kind from `uniqueSeed`): two independent 32-bit lanes (FNV-1a and a multiply-xorshift,
 * both seeded), each finished with murmur3's avalanche; 21 bits of one and 32 of the other.
 * No string is built for the key.
 */
export function uniqueKey(seed1: number, seed2: number, a: string, b = ''): number {
  let h1 = seed1 ^ SEED_1;
  let h2 = seed2 ^ SEED_2;
  for (let i = 0; i < a.length; i += 1) {
    const c = a.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  // The lengths keep ("ab", "c") apart from ("a", "bc").
  h1 = Math.imul(h1 ^ (a.length + 0x9e3779b9), 0x01000193);
  h2 = Math.imul(h2 ^ (a.length + 0x7f4a7c15), 0x5bd1e995);
  for (let i = 0; i < b.length; i += 1) {
    const c = b.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = fmix32(h1 ^ b.length);
  h2 = fmix32(h2 ^ Math.imul(b.length, 0x27d4eb2f));
  return (h1 >>> 11) * 4294967296 + (h2 >>> 0);
}

/** The two 32-bit seed halves for one link and key kind (computed once per cached link). */
export function uniqueSeed(linkId: string, kind: string): [number, number] {
  const key = uniqueKey(0x2545f491, 0x6c8e9cf5, linkId, kind);
  return [Math.floor(key / 4294967296) | 0, key | 0];
}
