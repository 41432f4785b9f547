import crypto from 'node:crypto';
import { DEFAULT_TIMEZONE, type Channel, type Segment } from '@tular/shared';
import { rollupCollection, type RollupCounter } from '../models/Rollup';
import { ShopModel } from '../models/Shop';
import { MembershipModel } from '../models/Membership';
import { ClickEventModel, type ClickEventRecord } from '../models/ClickEvent';
import { OrderModel } from '../models/Order';
import { RollupWriter } from './rollupWriter';
import { localParts, zonedTimeToUtc } from './buckets';
import { clickFact, orderFact, COUNTED_ORDER_STATUSES } from './rollupFacts';

export interface RebuildResult {
  shops: number;
  clicks: number;
  orders: number;
  /** Rollup documents deleted (buckets inside the raw-event window, recomputed in full). */
  deleted: number;
  /** Older bucket documents whose click counters were kept (their raw events may be purged). */
  keptClickBuckets: number;
}

export interface RebuildOptions {
  shopId?: string;
  /** CLICK_RETENTION_DAYS: raw click events older than this may have been purged. */
  clickRetentionDays: number;
  now?: Date;
}

/** Flush this many facts at a time so a large history never sits in memory. */
const FACTS_PER_FLUSH = 5_000;
const DAY_MS = 86_400_000;
/** The purge job runs hourly and may run while we rebuild: stay this far clear of its cutoff. */
const PURGE_MARGIN_MS = 60 * 60_000;
const ORDER_COUNTERS: readonly RollupCounter[] = ['orders', 'units', 'revenue', 'commission'];

/**
 * The first local midnight (shop zone) at which every raw click event is still there: buckets that
 * start here or later can be recomputed from raw events; older ones cannot (the retention job has
 * deleted, or may delete, some of their clicks). Local midnight is a bucket boundary for both hour and
 * day buckets, so no bucket straddles it.
 */
export function clickRebuildCutoff(now: Date, clickRetentionDays: number, timezone: string): Date {
  const earliestIntact = new Date(now.getTime() - clickRetentionDays * DAY_MS + PURGE_MARGIN_MS);
  const p = localParts(earliestIntact, timezone);
  const midnight = zonedTimeToUtc(p.year, p.month, p.day, 0, timezone);
  if (midnight.getTime() >= earliestIntact.getTime()) return midnight;
  const next = localParts(new Date(midnight.getTime() + DAY_MS + 2 * 60 * 60_000), timezone);
  return zonedTimeToUtc(next.year, next.month, next.day, 0, timezone);
}

/**
 * Recomputes rollups for one shop or all, with the same counting rules as the live paths
 * (`rollupFacts.ts`), under a fresh writer id:
 * - order counters from the orders, for all time (orders are never purged);
 * - click counters (clicks, unique, bot, previews) from the raw click events, but ONLY for buckets
 *   inside the raw-event retention window: older raw events are purged after CLICK_RETENTION_DAYS
 *   while stats reach back 400 days, so the counters of older buckets are the only record left and
 *   are kept as they are.
 * Run it when traffic is quiet: clicks and orders that land while it runs can be counted twice (once
 * from the raw data, once by the live writer).
 */
export async function rebuildRollups(options: RebuildOptions): Promise<RebuildResult> {
  const now = options.now ?? new Date();
  const shopFilter = options.shopId ? { _id: options.shopId } : {};
  const shops = await ShopModel.find(shopFilter, { timezone: 1 }).lean();
  const timezones = new Map(shops.map((s) => [String(s._id), s.timezone ?? DEFAULT_TIMEZONE]));
  const segments = new Map<string, Segment>();
  for await (const m of MembershipModel.find(options.shopId ? { shopId: options.shopId } : {}, { shopId: 1, resellerId: 1, segment: 1 }).lean().cursor()) {
    segments.set(`${String(m.shopId)}:${String(m.resellerId)}`, m.segment as Segment);
  }

  const writer = new RollupWriter({ intervalMs: 0, writerId: `rebuild-${crypto.randomBytes(4).toString('hex')}` });
  let pending = 0;
  const added = async (): Promise<void> => {
    pending += 1;
    if (pending >= FACTS_PER_FLUSH) {
      pending = 0;
      await writer.flush();
    }
  };

  let deleted = 0;
  let keptClickBuckets = 0;
  let clicks = 0;
  const zeroOrders = Object.fromEntries(ORDER_COUNTERS.map((c) => [c, 0]));
  for (const [shopId, timezone] of timezones) {
    const cutoff = clickRebuildCutoff(now, options.clickRetentionDays, timezone);
    // Inside the window everything is recomputed; before it only the order counters are.
    deleted += (await rollupCollection().deleteMany({ shopId, start: { $gte: cutoff } })).deletedCount;
    keptClickBuckets += (await rollupCollection().updateMany({ shopId, start: { $lt: cutoff } }, { $set: zeroOrders })).matchedCount;

    for await (const c of ClickEventModel.find({ shopId, at: { $gte: cutoff } }).lean<ClickEventRecord[]>().cursor()) {
      const resellerId = c.resellerId ? String(c.resellerId) : null;
      writer.add(
        clickFact(
          {
            shopId,
            productId: c.productId ? String(c.productId) : null,
            resellerId,
            linkId: String(c.linkId),
            segment: resellerId ? segments.get(`${shopId}:${resellerId}`) : null,
            channel: c.channel,
            kind: c.kind,
            unique: c.unique,
            at: c.at,
          },
          timezone,
        ),
      );
      clicks += 1;
      await added();
    }
  }

  let orders = 0;
  const orderFilter = { shopId: { $in: [...timezones.keys()] }, status: { $in: COUNTED_ORDER_STATUSES } };
  for await (const o of OrderModel.find(orderFilter).lean().cursor()) {
    const shopId = String(o.shopId);
    const a = o.attribution;
    writer.add(
      orderFact(
        {
          shopId,
          productId: String(o.productId),
          quantity: o.quantity,
          total: o.total,
          commission: o.commission ?? 0,
          createdAt: o.createdAt,
          attribution: a
            ? {
                resellerId: String(a.resellerId),
                linkId: a.linkId ? String(a.linkId) : null,
                segment: (a.segment as Segment | undefined) ?? segments.get(`${shopId}:${String(a.resellerId)}`) ?? null,
                channel: (a.channel as Channel | undefined) ?? null,
              }
            : null,
        },
        timezones.get(shopId) ?? DEFAULT_TIMEZONE,
      ),
    );
    orders += 1;
    await added();
  }
  await writer.flush();
  return { shops: shops.length, clicks, orders, deleted, keptClickBuckets };
}
