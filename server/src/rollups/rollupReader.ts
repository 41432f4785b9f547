import {
  addCounts,
  emptyCounts,
  rollupCollection,
  type RollupCounts,
  type RollupGranularity,
  type RollupRecord,
  type RollupScope,
} from '../models/Rollup';

export interface RollupQuery {
  scope: RollupScope;
  granularity: RollupGranularity;
  shopId?: string;
  /** One key or several (e.g. a reseller, a set of shops). */
  keys?: string[];
  from?: Date;
  to?: Date;
  /** Local period labels, inclusive from / exclusive to (month boards: `2026-11-01` … `2026-12-01`). */
  periodFrom?: string;
  periodTo?: string;
}

/** A bucket summed across every writer's document. */
export interface RollupBucket extends RollupCounts {
  shopId: string;
  key: string;
  period: string;
  start: Date;
}

/**
 * Reads rollups with a plain indexed `find` and sums the per-writer documents in the application
 * (no aggregation operators FerretDB v1 lacks).
 */
export async function readRollups(q: RollupQuery): Promise<RollupBucket[]> {
  const filter: Record<string, unknown> = { scope: q.scope, granularity: q.granularity };
  if (q.shopId) filter.shopId = q.shopId;
  if (q.keys) filter.key = q.keys.length === 1 ? q.keys[0] : { $in: q.keys };
  if (q.from || q.to) {
    const start: { $gte?: Date; $lt?: Date } = {};
    if (q.from) start.$gte = q.from;
    if (q.to) start.$lt = q.to;
    filter.start = start;
  }
  if (q.periodFrom || q.periodTo) {
    const period: { $gte?: string; $lt?: string } = {};
    if (q.periodFrom) period.$gte = q.periodFrom;
    if (q.periodTo) period.$lt = q.periodTo;
    filter.period = period;
  }
  const docs = await rollupCollection()
    .find(filter, { projection: { lastFlush: 0, writer: 0 } })
    .toArray();
  return mergeWriters(docs);
}

export function mergeWriters(docs: RollupRecord[]): RollupBucket[] {
  const merged = new Map<string, RollupBucket>();
  for (const d of docs) {
    const id = `${d.shopId}|${d.key}|${d.period}`;
    let b = merged.get(id);
    if (!b) {
      b = { shopId: d.shopId, key: d.key, period: d.period, start: d.start, ...emptyCounts() };
      merged.set(id, b);
    }
    addCounts(b, d);
  }
  return [...merged.values()].sort((a, b) => a.start.getTime() - b.start.getTime() || a.key.localeCompare(b.key));
}

/** Totals of many buckets. */
export function sumBuckets(buckets: Iterable<RollupCounts>): RollupCounts {
  const total = emptyCounts();
  for (const b of buckets) addCounts(total, b);
  return total;
}
