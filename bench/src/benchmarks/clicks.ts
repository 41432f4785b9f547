import { benchConfig } from '../lib/config';
import { db } from '../lib/seed';
import { printTable, printVerdict } from '../lib/stats';

export interface ClickFigures {
  /** 302s to a browser user agent the generator received from Tular in the redirect benchmark (priming, warm-up and rounds). */
  expected: number;
  /** Requests sent but unanswered when a capped run ended: up to this many more may have been served and counted. */
  uncertain: number;
  rawEvents: number;
  rollupShopDay: number;
  rollupLinkDay: number;
  shed: number | null;
  lostRaw: number;
  lostRollupShop: number;
  lostRollupLink: number;
  waitedMs: number;
  /** Reads that failed or timed out (retried, never taken as "stable"). */
  failedReads: number;
  /** The counts were still changing (or unreadable) at BENCH_FLUSH_TIMEOUT: the database had not absorbed the load — not the same as lost. */
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
  raw: number;
  shopDay: number;
  linkDay: number;
}

export async function countClicks(timeoutMs = 60_000): Promise<ClickCounts> {
  return bounded(readClicks(), timeoutMs, 'counting clicks');
}

async function readClicks(): Promise<ClickCounts> {
  // Only the redirect benchmark has clicked before this point (checkout makes none), all with a browser user agent.
  const raw = await db().collection('clickevents').countDocuments({ kind: 'click' });
  // Every writer owns its own bucket documents: sum the day buckets across writers, per scope.
  const buckets = await db()
    .collection('rollups')
    .find({ granularity: 'day', scope: { $in: ['shop', 'link'] } }, { projection: { clicks: 1, scope: 1 } })
    .toArray();
  let shopDay = 0;
  let linkDay = 0;
  for (const b of buckets) {
    const n = typeof b.clicks === 'number' ? b.clicks : 0;
    if (b.scope === 'shop') shopDay += n;
    else linkDay += n;
  }
  return { raw, shopDay, linkDay };
}

/** Shed raw events, if the server reported any: a `shed` number in its log lines (the last one is the running total). */
export function shedFromOutput(output: string): number | null {
  const matches = [...output.matchAll(/"(?:clicksShed|shed)"\s*:\s*(\d+)/g)];
  return matches.length ? Number(matches[matches.length - 1]![1]) : null;
}

const same = (a: ClickCounts, b: ClickCounts): boolean => a.raw === b.raw && a.shopDay === b.shopDay && a.linkDay === b.linkDay;

/**
 * After the redirect load: poll until the database has absorbed it, then compare with the 302s the
 * generator received: raw events + reported shed, and the rollup counters (shop/day and link/day,
 * all writers). Only successful reads count towards "settled": a read that fails or times out is
 * retried until BENCH_FLUSH_TIMEOUT.
 */
export async function checkNoLostClicks(expected: number, serverOutput: () => string, uncertain = 0): Promise<ClickFigures> {
  const started = Date.now();
  const deadline = started + benchConfig.flushTimeout * 1000;
  let last: ClickCounts | null = null;
  let unchangedSince = 0;
  let failedReads = 0;
  const inRange = (n: number): boolean => n >= expected && n <= expected + uncertain;
  const complete = (c: ClickCounts, shed: number): boolean => inRange(c.raw + shed) && inRange(c.shopDay) && c.linkDay === c.shopDay;
  while (Date.now() < deadline) {
    let now: ClickCounts;
    try {
      now = await countClicks(Math.max(5000, Math.min(60_000, deadline - Date.now())));
    } catch (err) {
      failedReads += 1;
      process.stderr.write(`[bench] flush: read failed (${(err as Error).message}); retrying\n`);
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (!last || !same(now, last)) unchangedSince = Date.now();
    last = now;
    const shed = shedFromOutput(serverOutput()) ?? 0;
    process.stderr.write(
      `[bench] flush: ${now.raw} raw + ${shed} shed, rollups ${now.shopDay} shop/day, ${now.linkDay} link/day — of ${expected} 302s${uncertain ? ` (+≤ ${uncertain} uncounted)` : ''}\n`,
    );
    // Complete and unchanged across two successful reads ≥ 1.5 s apart: done.
    if (complete(now, shed) && Date.now() - unchangedSince >= 1500) break;
    // Nothing moved for 15 s of successful reads: whatever is missing now is lost.
    if (Date.now() - unchangedSince >= 15_000) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const counts = last ?? { raw: 0, shopDay: 0, linkDay: 0 };
  const shed = shedFromOutput(serverOutput());
  const shedN = shed ?? 0;
  const settled = last !== null && Date.now() - unchangedSince >= 1500;
  const lost = (n: number): number => Math.max(0, expected - n);
  const figures: ClickFigures = {
    expected,
    uncertain,
    rawEvents: counts.raw,
    rollupShopDay: counts.shopDay,
    rollupLinkDay: counts.linkDay,
    shed,
    lostRaw: lost(counts.raw + shedN),
    lostRollupShop: lost(counts.shopDay),
    lostRollupLink: lost(counts.linkDay),
    waitedMs: Date.now() - started,
    failedReads,
    stillFlushing: !settled || (Date.now() >= deadline && !complete(counts, shedN)),
    met: last !== null && complete(counts, shedN),
  };
  printTable('No lost clicks — every Tular 302 of the redirect benchmark, after the flush', ['measure', 'count'], [
    ['302s received by the generator (browser UA; priming, warm-up, rounds)', expected],
    ['requests sent but unanswered when a capped run ended (may be recorded)', uncertain],
    ['raw click events in the database', counts.raw],
    ['raw events shed and reported by the server', shed === null ? 'none reported' : shed],
    ['rollup clicks, shop/day buckets (all writers)', counts.shopDay],
    ['rollup clicks, link/day buckets (all writers)', counts.linkDay],
    ['lost: raw (+shed) / shop counters / link counters', `${figures.lostRaw} / ${figures.lostRollupShop} / ${figures.lostRollupLink}`],
    ['failed or timed-out reads (retried)', failedReads],
    ['waited for the flush (ms)', figures.waitedMs],
  ]);
  if (figures.stillFlushing && !figures.met)
    console.log(`  note: the counts were still changing or unreadable at BENCH_FLUSH_TIMEOUT=${benchConfig.flushTimeout} s — the database had not absorbed the load yet (missing ≠ lost)`);
  printVerdict('clicks', [{ target: '0 lost: raw events + reported shed = 302s; shop/day and link/day counters = 302s', met: figures.met }]);
  return figures;
}
