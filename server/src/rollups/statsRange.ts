import { DATE_ONLY, STATS_MAX_HOUR_RANGE_DAYS, STATS_MAX_RANGE_DAYS, type StatsGranularity } from '@tular/shared';
import { ValidationError } from '../lib/errors';
import { bucketsFor, localParts, zonedTimeToUtc } from './buckets';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface ResolvedRange {
  /** Snapped back to the start of the bucket `from` falls in. */
  from: Date;
  /** Exclusive. */
  to: Date;
  granularity: StatsGranularity;
  timezone: string;
}

/** A query date: `2026-11-01` is that day in the zone (from its midnight; as `to`, through its end). */
export function parseQueryDate(value: string, timezone: string, asEnd: boolean): Date {
  if (DATE_ONLY.test(value)) {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    return zonedTimeToUtc(y, m, d + (asEnd ? 1 : 0), 0, timezone);
  }
  return new Date(value);
}

/** The start of the local day after the one containing `at`. */
export function nextDayStart(at: Date, timezone: string): Date {
  const p = localParts(at, timezone);
  return zonedTimeToUtc(p.year, p.month, p.day + 1, 0, timezone);
}

/**
 * Fills in defaults (the last 30 days, or 48 hours for hourly) and re-checks the limits the schema
 * could not (a lone `from` far in the past), then snaps `from` to its bucket.
 */
export function resolveRange(q: { from?: string; to?: string; granularity: StatsGranularity }, timezone: string, now = new Date()): ResolvedRange {
  const to = q.to ? parseQueryDate(q.to, timezone, true) : now;
  const from = q.from ? parseQueryDate(q.from, timezone, false) : new Date(to.getTime() - (q.granularity === 'hour' ? 48 * HOUR_MS : 30 * DAY_MS));
  const span = to.getTime() - from.getTime();
  if (span <= 0) throw new ValidationError([{ path: q.to ? 'query.to' : 'query.from', message: 'must be after from (and from must not be in the future)' }]);
  if (span > STATS_MAX_RANGE_DAYS * DAY_MS) throw new ValidationError([{ path: 'query.from', message: `the range may cover at most ${STATS_MAX_RANGE_DAYS} days` }]);
  if (q.granularity === 'hour' && span > STATS_MAX_HOUR_RANGE_DAYS * DAY_MS) {
    throw new ValidationError([{ path: 'query.granularity', message: `hourly stats cover at most ${STATS_MAX_HOUR_RANGE_DAYS} days; use day` }]);
  }
  const [hour, day] = bucketsFor(from, timezone);
  return { from: q.granularity === 'hour' ? hour.start : day.start, to, granularity: q.granularity, timezone };
}

/** Every bucket of the range, in order: the empty ones too, so charts have no holes. */
export function periodsOf(range: ResolvedRange): Array<{ period: string; start: Date }> {
  const out: Array<{ period: string; start: Date }> = [];
  let cursor = range.from;
  while (cursor < range.to && out.length < 10_000) {
    const [hour, day] = bucketsFor(cursor, range.timezone);
    const b = range.granularity === 'hour' ? hour : day;
    out.push({ period: b.period, start: b.start });
    cursor = range.granularity === 'hour' ? new Date(b.start.getTime() + HOUR_MS) : nextDayStart(cursor, range.timezone);
  }
  return out;
}
