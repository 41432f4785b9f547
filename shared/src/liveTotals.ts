import type { LiveCountsPart, LiveDayPart, LiveStatsEvent } from './events';

type Counted = 'clicks' | 'uniqueClicks' | 'previews' | 'orders' | 'revenue' | 'commission';
const COUNTED: readonly Counted[] = ['clicks', 'uniqueClicks', 'previews', 'orders', 'revenue', 'commission'];

export interface LiveDayTotals extends Record<Counted, number> {
  /** The shop room (`shop:<id>`) and its local date these figures are for. */
  room: string | null;
  day: string | null;
  /** The newest part per writer (server instance) for `day`, from snapshots and events. */
  parts: Record<string, LiveCountsPart>;
  /**
   * A snapshot for `day` has been merged, so `parts` names every writer and the figures are their
   * sum. Before that the figures are the stats API's (stored counters), shown as they are.
   */
  complete: boolean;
}

export const EMPTY_LIVE_TOTALS: LiveDayTotals = { room: null, day: null, parts: {}, complete: false, clicks: 0, uniqueClicks: 0, previews: 0, orders: 0, revenue: 0, commission: 0 };

/**
 * Today's numbers on a live dashboard (the owner's; server tests replay messages through it too), coherent across server instances and stored counters that lag.
 * Every instance reports its own part of the shop's day (everything it counted, stored or not, with a
 * version `v` that grows with each increment): `click` and `order` messages carry the sender's part
 * the moment it changes, `stats` snapshots every writer's. Per writer the part with the higher `v`
 * wins, and the figures are the sum over writers — so a snapshot read from stored counters that still
 * lag never pulls a figure below what an event already showed, and no click is counted twice (parts
 * are totals, not increments). A refund lowers a figure because its part is newer, not because it is
 * smaller.
 */
export function applyLiveSnapshot(prev: LiveDayTotals, s: Pick<LiveStatsEvent, 'room' | 'day' | 'parts' | Counted>): LiveDayTotals {
  if (!s.parts) {
    // A snapshot without parts (a server before parts): it is the whole truth as it stands.
    return { room: s.room, day: s.day, parts: {}, complete: true, ...pick(s) };
  }
  const base = forDay(prev, s.room, s.day);
  if (!base) return prev;
  return sumLiveParts({ ...base, parts: merge(base.parts, s.parts), complete: true });
}

/** A `click` or `order` message: its part (if any) replaces the sender's older one. Messages without a part change nothing. */
export function applyLivePart(prev: LiveDayTotals, e: { room: string } & Partial<LiveDayPart>): LiveDayTotals {
  if (!e.part || !e.day) return prev;
  const base = forDay(prev, e.room, e.day);
  if (!base) return prev;
  const next = { ...base, parts: merge(base.parts, [e.part]) };
  // Until the first snapshot names every writer, keep showing the stored figures (one writer's part alone would be too low).
  return next.complete ? sumLiveParts(next) : next;
}

/** The stats API's figures (stored counters), shown until the first snapshot; ignored once live figures are complete. */
export function applyStoredTotals(prev: LiveDayTotals, room: string, day: string, counts: Record<Counted, number>): LiveDayTotals {
  if (prev.room === room && prev.day !== null && (prev.complete || prev.day > day)) return prev;
  return { room, day, parts: prev.room === room && prev.day === day ? prev.parts : {}, complete: false, ...pick(counts) };
}

/**
 * `prev` carried over to (room, day): the same, a reset for another shop or a later day (a new day
 * starts at zero for every writer, hence complete), or null for a message about an earlier day.
 */
function forDay(prev: LiveDayTotals, room: string, day: string): LiveDayTotals | null {
  if (prev.room === room && prev.day === day) return prev;
  if (prev.room === room && prev.day !== null && day < prev.day) return null;
  const newDay = prev.room === room && prev.day !== null;
  return { ...EMPTY_LIVE_TOTALS, room, day, complete: newDay };
}

function merge(parts: Record<string, LiveCountsPart>, incoming: LiveCountsPart[]): Record<string, LiveCountsPart> {
  const out = { ...parts };
  for (const p of incoming) {
    const cur = out[p.writer];
    if (!cur || p.v >= cur.v) out[p.writer] = p;
  }
  return out;
}

export function sumLiveParts(t: LiveDayTotals): LiveDayTotals {
  const out = { ...t };
  for (const c of COUNTED) out[c] = 0;
  for (const p of Object.values(t.parts)) for (const c of COUNTED) out[c] += p[c];
  return out;
}

function pick(from: Record<Counted, number>): Record<Counted, number> {
  return { clicks: from.clicks, uniqueClicks: from.uniqueClicks, previews: from.previews, orders: from.orders, revenue: from.revenue, commission: from.commission };
}

