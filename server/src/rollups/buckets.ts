import type { RollupGranularity } from '../models/Rollup';

/** Local calendar parts of an instant in a time zone (Intl does the zone arithmetic, DST included). */
interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function localParts(at: Date, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** Milliseconds the zone is ahead of UTC at `at` (Asia/Jakarta: +7 h). */
function offsetMs(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (at.getTime() - at.getUTCMilliseconds());
}

/** The UTC instant at which a local wall-clock time happens in the zone. */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour);
  let guess = wall - offsetMs(new Date(wall), timeZone);
  // Re-check once: the offset at the guess may differ around a DST change.
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function dayLabel(p: { year: number; month: number; day: number }): string {
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

export interface Bucket {
  granularity: RollupGranularity;
  /** `2026-11-22` or `2026-11-22T08`, local to the zone. */
  period: string;
  start: Date;
}

/** The hour and day buckets `at` falls in, in the shop's time zone. */
export function bucketsFor(at: Date, timeZone: string): [Bucket, Bucket] {
  const p = localParts(at, timeZone);
  const day = dayLabel(p);
  const hourStart = new Date(at.getTime() - p.minute * 60_000 - p.second * 1000 - at.getUTCMilliseconds());
  return [
    { granularity: 'hour', period: `${day}T${pad(p.hour)}`, start: hourStart },
    { granularity: 'day', period: day, start: zonedTimeToUtc(p.year, p.month, p.day, 0, timeZone) },
  ];
}

/** First instant of the local calendar month containing `at`, and of the next one. */
export function monthRange(at: Date, timeZone: string): { from: Date; to: Date; label: string } {
  const p = localParts(at, timeZone);
  const nextYear = p.month === 12 ? p.year + 1 : p.year;
  const nextMonth = p.month === 12 ? 1 : p.month + 1;
  return {
    from: zonedTimeToUtc(p.year, p.month, 1, 0, timeZone),
    to: zonedTimeToUtc(nextYear, nextMonth, 1, 0, timeZone),
    label: `${pad(p.year, 4)}-${pad(p.month)}`,
  };
}
