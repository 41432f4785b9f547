import crypto from 'node:crypto';
import { DEFAULT_TIMEZONE, type Channel, type Segment } from '@tular/shared';
import { rollupCollection } from '../models/Rollup';
import { ShopModel } from '../models/Shop';
import { MembershipModel } from '../models/Membership';
import { ClickEventModel, type ClickEventRecord } from '../models/ClickEvent';
import { OrderModel } from '../models/Order';
import { RollupWriter } from './rollupWriter';
import { clickFact, orderFact, COUNTED_ORDER_STATUSES } from './rollupFacts';

export interface RebuildResult {
  shops: number;
  clicks: number;
  orders: number;
  deleted: number;
}

/** Flush this many facts at a time so a large history never sits in memory. */
const FACTS_PER_FLUSH = 5_000;

/**
 * Recomputes rollups from the raw click events and the orders, for one shop or all: deletes the
 * rollup documents, then rewrites them under a fresh writer id with the same counting rules as the
 * live paths (`rollupFacts.ts`). Run it when traffic is quiet: clicks and orders that land while it
 * runs can be counted twice (once from the raw data, once by the live writer).
 */
export async function rebuildRollups(options: { shopId?: string } = {}): Promise<RebuildResult> {
  const shopFilter = options.shopId ? { _id: options.shopId } : {};
  const shops = await ShopModel.find(shopFilter, { timezone: 1 }).lean();
  const timezones = new Map(shops.map((s) => [String(s._id), s.timezone ?? DEFAULT_TIMEZONE]));
  const segments = new Map<string, Segment>();
  for await (const m of MembershipModel.find(options.shopId ? { shopId: options.shopId } : {}, { shopId: 1, resellerId: 1, segment: 1 }).lean().cursor()) {
    segments.set(`${String(m.shopId)}:${String(m.resellerId)}`, m.segment as Segment);
  }

  const { deletedCount } = await rollupCollection().deleteMany(options.shopId ? { shopId: options.shopId } : {});
  const writer = new RollupWriter({ intervalMs: 0, writerId: `rebuild-${crypto.randomBytes(4).toString('hex')}` });
  let pending = 0;
  const added = async (): Promise<void> => {
    pending += 1;
    if (pending >= FACTS_PER_FLUSH) {
      pending = 0;
      await writer.flush();
    }
  };

  let clicks = 0;
  const clickFilter = options.shopId ? { shopId: options.shopId } : {};
  for await (const c of ClickEventModel.find(clickFilter).lean<ClickEventRecord[]>().cursor()) {
    const shopId = String(c.shopId);
    const resellerId = c.resellerId ? String(c.resellerId) : null;
    const timezone = timezones.get(shopId) ?? DEFAULT_TIMEZONE;
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

  let orders = 0;
  const orderFilter = { ...(options.shopId ? { shopId: options.shopId } : {}), status: { $in: COUNTED_ORDER_STATUSES } };
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
  return { shops: shops.length, clicks, orders, deleted: deletedCount };
}
