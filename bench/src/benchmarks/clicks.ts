import { benchConfig } from '../lib/config';
import { db } from '../lib/seed';
import { printTable, printVerdict } from '../lib/stats';

export interface ClickFigures {
  expected: number;
  rawEvents: number;
  rollupClicks: number;
  lostRaw: number;
  lostRollup: number;
  shed: number | null;
  waitedMs: number;
  /** The counters were still rising at the deadline: the database had not absorbed the load yet (not the same as lost). */
  stillFlushing: boolean;
  met: boolean;
}

/** A read that answers within `ms` or rejects: a stalled database must not hang the benchmark. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: the database did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

export interface ClickCounts {
  /** Raw click events since the measured rounds began (by click time, so late flushes of the warm-up do not count). */
  window: number;
  raw: number;
  rollup: number;
}

export async function countClicks(since: Date): Promise<ClickCounts> {
  return bounded(readClicks(since), 30_000, 'counting clicks');
}

async function readClicks(since: Date): Promise<ClickCounts> {
  const events = db().collection('clickevents');
  const window = await events.countDocuments({ kind: 'click', at: { $gte: since } });
  const raw = await events.countDocuments({ kind: 'click' });
  // Every writer owns its own bucket documents: sum the shop-scope day buckets across writers.
  const buckets = await db().collection('rollups').find({ scope: 'shop', granularity: 'day' }, { projection: { clicks: 1 } }).toArray();
  const rollup = buckets.reduce((sum, b) => sum + (typeof b.clicks === 'number' ? b.clicks : 0), 0);
  return { window, raw, rollup };
}

/** Shed raw events, if the server reported any: a `clicksShed` number in its log lines (last one wins). */
export function shedFromOutput(output: string): number | null {
  const matches = [...output.matchAll(/"(?:clicksShed|shed)"\s*:\s*(\d+)/g)];
  return matches.length ? Number(matches[matches.length - 1]![1]) : null;
}

/**
 * After the redirect load: poll until the counters agree and stop moving, then check (1) every 302
 * of the measured rounds has its raw event (clicked at or after `since`), and (2) the rollup
 * counters equal all raw click events (plus any the server shed and reported).
 */
export async function checkNoLostClicks(expected: number, since: Date, serverOutput: () => string, inFlightUncounted = 0): Promise<ClickFigures> {
  const started = Date.now();
  let last: ClickCounts = { window: 0, raw: 0, rollup: 0 };
  let stableSince = Date.now();
  while (Date.now() - started < benchConfig.flushTimeout * 1000) {
    // A database too busy to count in time is retried until the deadline, not a crash.
    const now = await countClicks(since).catch(() => last);
    if (now.window !== last.window || now.raw !== last.raw || now.rollup !== last.rollup) stableSince = Date.now();
    last = now;
    process.stderr.write(`[bench] flush: ${now.window} of ${expected} measured clicks stored; ${now.raw} raw, ${now.rollup} rollup in all\n`);
    const shedNow = shedFromOutput(serverOutput()) ?? 0;
    if (now.window >= expected && now.rollup === now.raw + shedNow && Date.now() - stableSince > 1500) break;
    // Nothing moved for 10 s: the buffer is empty; what is missing is lost.
    if (Date.now() - stableSince > 10_000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const shed = shedFromOutput(serverOutput());
  const windowOk = inFlightUncounted === 0 ? last.window + (shed ?? 0) === expected : last.window + (shed ?? 0) >= expected && last.window <= expected + inFlightUncounted;
  const figures: ClickFigures = {
    expected,
    rawEvents: last.window,
    rollupClicks: last.rollup,
    lostRaw: Math.max(0, expected - last.window - (shed ?? 0)),
    lostRollup: last.raw + (shed ?? 0) - last.rollup,
    shed,
    waitedMs: Date.now() - started,
    stillFlushing: Date.now() - stableSince < 10_000 && !(last.window >= expected && last.rollup === last.raw + (shed ?? 0)),
    met: windowOk && last.rollup === last.raw + (shed ?? 0),
  };
  printTable('No lost clicks — measured redirect rounds, after the flush', ['measure', 'count'], [
    ['302s received by the generator (browser UA, measured rounds)', expected],
    ['raw click events of those rounds in the database', last.window],
    ['requests dropped in flight by capped rounds (may be recorded)', inFlightUncounted],
    ['all raw click events (warm-up included)', last.raw],
    ['rollup clicks (shop/day buckets, all writers)', last.rollup],
    ['raw events shed and reported by the server', shed === null ? 'none reported' : shed],
    ['waited for the flush (ms)', figures.waitedMs],
  ]);
  if (figures.stillFlushing) console.log(`  note: counts were still rising after BENCH_FLUSH_TIMEOUT=${benchConfig.flushTimeout} s — the database had not absorbed the load yet`);
  printVerdict('clicks', [{ target: '0 lost: every 302 has its raw event, rollups = raw events (+ reported shed)', met: figures.met }]);
  return figures;
}
