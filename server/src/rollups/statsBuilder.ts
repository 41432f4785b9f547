import { computeStatsMetrics, type Segment, type StatsMetrics, type StatsResult } from '@tular/shared';
import { emptyCounts, type RollupCounts, type RollupScope } from '../models/Rollup';
import { addCounts } from '../models/Rollup';
import type { RollupBucket } from './rollupReader';
import { periodsOf, type ResolvedRange } from './statsRange';

export interface BreakdownLabel {
  label: string;
  segment?: Segment | null;
}

/** Series (every bucket of the range, zeros included) and totals from summed buckets. */
export function buildSeries(range: ResolvedRange, buckets: RollupBucket[]): Pick<StatsResult, 'series' | 'totals'> {
  // Hours are the same instant everywhere: key them by start, so a reseller's shops in different
  // zones share a slot; days are local, so they are keyed by their label.
  const slotKey = (period: string, start: Date): string => (range.granularity === 'hour' ? String(start.getTime()) : period);
  const slots = new Map<string, { period: string; start: Date; counts: RollupCounts }>();
  for (const p of periodsOf(range)) slots.set(slotKey(p.period, p.start), { period: p.period, start: p.start, counts: emptyCounts() });
  const totals = emptyCounts();
  for (const b of buckets) {
    const key = slotKey(b.period, b.start);
    let slot = slots.get(key);
    if (!slot) {
      slot = { period: b.period, start: b.start, counts: emptyCounts() };
      slots.set(key, slot);
    }
    addCounts(slot.counts, b);
    addCounts(totals, b);
  }
  const series = [...slots.values()]
    .sort((a, b) => a.start.getTime() - b.start.getTime() || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))
    .map(({ period, start, counts }) => ({ period, start: start.toISOString(), ...computeStatsMetrics(counts) }));
  return { series, totals: computeStatsMetrics(totals) };
}

/** Sums buckets per key (product, reseller, …), labels them, best sellers first. */
export function buildBreakdown(
  buckets: Array<Pick<RollupBucket, 'key'> & RollupCounts>,
  labels: Map<string, BreakdownLabel>,
  groupKey: (key: string) => string = (k) => k,
): NonNullable<StatsResult['breakdown']> {
  const byKey = new Map<string, RollupCounts>();
  for (const b of buckets) {
    const key = groupKey(b.key);
    let c = byKey.get(key);
    if (!c) {
      c = emptyCounts();
      byKey.set(key, c);
    }
    addCounts(c, b);
  }
  return [...byKey.entries()]
    .map(([key, counts]): StatsMetrics & { key: string; label: string; segment?: Segment | null } => ({
      key,
      label: labels.get(key)?.label ?? key,
      ...(labels.get(key)?.segment !== undefined ? { segment: labels.get(key)?.segment ?? null } : {}),
      ...computeStatsMetrics(counts),
    }))
    .sort((a, b) => b.revenue - a.revenue || b.orders - a.orders || b.clicks - a.clicks || a.key.localeCompare(b.key));
}

export const BREAKDOWN_SCOPE: Record<'product' | 'reseller' | 'segment' | 'channel' | 'link', RollupScope> = {
  product: 'product',
  reseller: 'reseller',
  segment: 'segment',
  channel: 'channel',
  link: 'link',
};
