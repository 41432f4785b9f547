import { UniqueTracker, uniqueKey, uniqueSeed } from './uniqueTracker';

const HOUR = 60 * 60 * 1000;
const key = (s: string): number => uniqueKey(11, 22, s);

/** The rule as the Map-based tracker implemented it: a key's window starts at its first sighting; past maxKeys the oldest go. */
class ReferenceTracker {
  private seen = new Map<number, number>();
  constructor(
    private windowMs: number,
    private maxKeys: number,
  ) {}
  checkPair(a: number, b: number, now: number): boolean {
    for (const [k, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(k);
    }
    const live = (k: number): boolean => (this.seen.get(k) ?? 0) > now;
    const unique = !live(a) && !live(b);
    for (const k of a === b ? [a] : [a, b]) {
      if (live(k)) continue;
      this.seen.delete(k);
      this.seen.set(k, now + this.windowMs);
      if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as number);
    }
    return unique;
  }
}

describe('UniqueTracker', () => {
  it('counts a visitor once per hour on a link: a repeat a millisecond before the hour is not unique, at the hour it is', () => {
    const t = new UniqueTracker();
    const start = Date.UTC(2026, 11, 1, 9, 59, 59, 500);
    expect(t.check([key('link1|v|anna')], start)).toBe(true);
    expect(t.check([key('link1|v|anna')], start + 30 * 60_000)).toBe(false);
    // A repeat inside the window does not extend it: the window runs from the first sighting.
    expect(t.check([key('link1|v|anna')], start + HOUR - 1)).toBe(false);
    expect(t.check([key('link1|v|anna')], start + HOUR)).toBe(true);
    expect(t.check([key('link1|v|anna')], start + HOUR + 1)).toBe(false);
    // Another link, or another visitor, is a key of its own.
    expect(t.check([key('link2|v|anna')], start + HOUR + 2)).toBe(true);
    expect(t.check([key('link1|v|budi')], start + HOUR + 3)).toBe(true);
  });

  it('checkPair: unique only when neither key was seen; skips the lookup of a key the caller minted; expired keys are swept', () => {
    const t = new UniqueTracker(1000);
    expect(t.checkPair(key('a|v|1'), key('a|i|x'), 0, true)).toBe(true);
    expect(t.checkPair(key('a|v|1'), key('a|i|y'), 100)).toBe(false);
    // A fresh visitor from an address + browser seen within the hour is not unique.
    expect(t.checkPair(key('a|v|2'), key('a|i|x'), 200, true)).toBe(false);
    expect(t.checkPair(key('b|v|1'), key('b|i|z'), 300)).toBe(true);
    // Past the window of the first keys (expired at 1000, 1100, 1200), they are swept: unique again.
    expect(t.checkPair(key('a|v|1'), key('a|i|x'), 1250)).toBe(true);
    expect(t.size).toBe(4);
    expect(t.check([key('b|v|1'), key('b|i|z')], 1299)).toBe(false);
    expect(t.check([key('b|v|1'), key('b|i|z')], 1300)).toBe(true);
  });

  it('holds its memory bound from the start however many keys arrive, forgetting the oldest first', () => {
    const t = new UniqueTracker(HOUR, 1000);
    for (let i = 0; i < 5000; i += 1) t.check([key(`k${i}`)], i);
    const bytes = t.bytes;
    expect(t.size).toBe(1000);
    // 1000 ring entries (16 bytes) + a table of 2048 slots (16 bytes): nothing per key beyond that.
    expect(bytes).toBeLessThanOrEqual(1000 * 16 + 2048 * 16);
    for (let i = 5000; i < 50_000; i += 1) t.check([key(`k${i}`)], i);
    expect(t.size).toBe(1000);
    expect(t.bytes).toBe(bytes);
    // All of it from the start: no table that doubles — and rehashes every key at once — under traffic.
    const fresh = new UniqueTracker(HOUR, 5000);
    const before = fresh.bytes;
    for (let i = 0; i < 5000; i += 1) fresh.check([key(`f${i}`)], i);
    expect(fresh.size).toBe(5000);
    expect(fresh.bytes).toBe(before);
    // The newest 1000 are remembered; the one just before them was forgotten (bound, not expiry).
    expect(t.check([key('k49000')], 50_000)).toBe(false);
    expect(t.check([key('k48999')], 50_001)).toBe(true);
  });

  it('answers exactly like the reference rule through expiry, eviction and deletions in crowded probe runs', () => {
    // A small key space and a small bound: slots collide, keys are deleted from the middle of probe runs and re-added.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const t = new UniqueTracker(5000, 700);
    const ref = new ReferenceTracker(5000, 700);
    let now = 0;
    let uniques = 0;
    for (let i = 0; i < 60_000; i += 1) {
      now += random(3);
      const a = key(`v${random(3000)}`);
      const b = key(`i${random(400)}`);
      const got = t.checkPair(a, b, now);
      expect(got).toBe(ref.checkPair(a, b, now));
      if (got) uniques += 1;
      expect(t.size).toBeLessThanOrEqual(700);
    }
    // Both outcomes occurred many times (the comparison was not trivially all-true or all-false).
    expect(uniques).toBeGreaterThan(1000);
    expect(uniques).toBeLessThan(59_000);
  });

  it('gives 600,000 similar visitor ids 600,000 distinct keys, so none is miscounted as a repeat (53-bit keys: expected collisions ≈ 2·10⁻⁵)', () => {
    // Ids that differ in one or two characters, as sequential or near-identical ids would: a weak
    // hash (32-bit quality: ~42 expected collisions here) fails this.
    const [s1, s2] = uniqueSeed('65f1c0ffee00000000000001', 'v');
    const t = new UniqueTracker(HOUR, 600_000);
    const keys = new Set<number>();
    let repeats = 0;
    for (let i = 0; i < 600_000; i += 1) {
      const id = `0000000000000000${i.toString(16).padStart(16, '0')}`;
      const k = uniqueKey(s1, s2, id);
      keys.add(k);
      if (!t.check([k], 1)) repeats += 1;
    }
    expect(keys.size).toBe(600_000);
    expect(repeats).toBe(0);
  });

  it('keys the same visitor differently per link and per kind, and splits the strings unambiguously', () => {
    const [v1, v2] = uniqueSeed('65f1c0ffee00000000000001', 'v');
    const [w1, w2] = uniqueSeed('65f1c0ffee00000000000002', 'v');
    const [i1, i2] = uniqueSeed('65f1c0ffee00000000000001', 'i');
    const id = '0123456789abcdef0123456789abcdef';
    const keys = new Set([uniqueKey(v1, v2, id), uniqueKey(w1, w2, id), uniqueKey(i1, i2, id), uniqueKey(i1, i2, 'ab', 'c'), uniqueKey(i1, i2, 'a', 'bc')]);
    expect(keys.size).toBe(5);
    for (const k of keys) expect(Number.isSafeInteger(k) && k >= 0).toBe(true);
    // Stable within the process: the same inputs give the same key.
    expect(uniqueKey(v1, v2, id)).toBe(uniqueKey(v1, v2, id));
  });
});
