import path from 'node:path';

/** Every knob is an environment variable so CI can run short and a person can run long. */
function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export const benchConfig = {
  /** Seconds per measured round of each side of a comparison. */
  duration: num('BENCH_DURATION', 5),
  /** Seconds of warm-up before the measured rounds (JIT, caches, connection pools). */
  warmup: num('BENCH_WARMUP', 2),
  /** Rounds per side (at least 3): 5 by default, so one round that another session's burst hit does not decide a median. */
  rounds: Math.max(3, num('BENCH_ROUNDS', 5)),
  connections: num('BENCH_CONNECTIONS', 50),
  links: num('BENCH_LINKS', 10_000),
  /** Shops the links and the fan-out sockets are spread over. */
  shops: num('BENCH_SHOPS', 100),
  sockets: num('BENCH_SOCKETS', 1000),
  /** Concurrent checkouts in flight. */
  checkoutConcurrency: num('BENCH_CHECKOUT_CONCURRENCY', 20),
  /** At most this many seconds to wait for clicks to reach the database after the load stops (the wait ends once the counts are complete and steady; FerretDB on a busy shared machine took 121 s). */
  flushTimeout: num('BENCH_FLUSH_TIMEOUT', 300),
  /** Seconds one benchmark may take before it is reported FAILED (timed out) and the run moves on; 0 = derived from the other knobs. */
  stepTimeout: num('BENCH_STEP_TIMEOUT', 0),
  /** BENCH_SKIP_CLICK_CHECK=1: the redirect benchmark without the lost-clicks check after it (quick A/B runs; the wait for FerretDB to absorb the clicks takes ~100 s). */
  skipClickCheck: process.env.BENCH_SKIP_CLICK_CHECK === '1',
  only: (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean),
};

export const BROWSER_UA =
  'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
