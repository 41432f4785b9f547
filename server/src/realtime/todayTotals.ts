import { DEFAULT_TIMEZONE } from '@tular/shared';
import { addCounts, emptyCounts, rollupCollection, type RollupCounts } from '../models/Rollup';
import { ShopModel } from '../models/Shop';
import { bucketsFor } from '../rollups/buckets';

/** Shop time zones, cached: the live snapshots must not read the shop on every tick. */
export class ShopTimezones {
  private cache = new Map<string, string>();

  remember(shopId: string, timezone: string | null | undefined): void {
    this.cache.set(shopId, timezone ?? DEFAULT_TIMEZONE);
  }

  forget(shopId: string): void {
    this.cache.delete(shopId);
  }

  async resolve(shopIds: Iterable<string>): Promise<Map<string, string>> {
    const missing = [...new Set(shopIds)].filter((id) => !this.cache.has(id) && /^[a-f0-9]{24}$/i.test(id));
    if (missing.length) {
      const shops = await ShopModel.find({ _id: { $in: missing } }, { timezone: 1 }).lean();
      for (const s of shops) this.remember(String(s._id), s.timezone);
      for (const id of missing) if (!this.cache.has(id)) this.cache.set(id, DEFAULT_TIMEZONE);
    }
    return this.cache;
  }
}

const LOOKBACK_MS = 50 * 3_600_000;

/**
 * Today's totals for many shops or resellers in one indexed query: day buckets that started in
 * the last 50 hours, kept only when their period is "today" in their shop's time zone.
 */
export async function todayTotals(scope: 'shop' | 'reseller', keys: string[], timezones: ShopTimezones, now = new Date()): Promise<Map<string, RollupCounts>> {
  const out = new Map<string, RollupCounts>();
  if (keys.length === 0) return out;
  const docs = [];
  // Chunked: a thousand active rooms must not become one enormous `$in`.
  for (let i = 0; i < keys.length; i += 500) {
    docs.push(
      ...(await rollupCollection()
        .find(
          { scope, key: { $in: keys.slice(i, i + 500) }, granularity: 'day', start: { $gte: new Date(now.getTime() - LOOKBACK_MS), $lte: now } },
          { projection: { lastFlush: 0 } },
        )
        .toArray()),
    );
  }
  const zones = await timezones.resolve(docs.map((d) => d.shopId));
  const todayByZone = new Map<string, string>();
  for (const d of docs) {
    const tz = zones.get(d.shopId) ?? DEFAULT_TIMEZONE;
    let today = todayByZone.get(tz);
    if (!today) {
      today = bucketsFor(now, tz)[1].period;
      todayByZone.set(tz, today);
    }
    if (d.period !== today) continue;
    let total = out.get(d.key);
    if (!total) {
      total = emptyCounts();
      out.set(d.key, total);
    }
    addCounts(total, d);
  }
  return out;
}
