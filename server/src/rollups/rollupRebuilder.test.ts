import mongoose from 'mongoose';
import { CHANNELS, SEGMENTS, type Channel, type Segment } from '@tular/shared';
import { useTestDatabase } from '../../test/harness';
import { rollupCollection, ROLLUP_COUNTERS } from '../models/Rollup';
import { ShopModel } from '../models/Shop';
import { MembershipModel } from '../models/Membership';
import { ClickEventModel, type ClickEventRecord } from '../models/ClickEvent';
import { OrderModel } from '../models/Order';
import { RollupWriter } from './rollupWriter';
import { clickFact, orderFact } from './rollupFacts';
import { rebuildRollups } from './rollupRebuilder';
import { mergeWriters } from './rollupReader';

useTestDatabase();

const oid = (): mongoose.Types.ObjectId => new mongoose.Types.ObjectId();

/** Every bucket, summed across writers, as `shop|scope|key|granularity|period → counters`. */
async function snapshot(): Promise<Record<string, Record<string, number>>> {
  const docs = await rollupCollection().find({}).toArray();
  const out: Record<string, Record<string, number>> = {};
  for (const scope of ['shop', 'product', 'reseller', 'link', 'segment', 'channel']) {
    for (const gran of ['hour', 'day']) {
      for (const b of mergeWriters(docs.filter((d) => d.scope === scope && d.granularity === gran))) {
        const counters: Record<string, number> = {};
        for (const c of ROLLUP_COUNTERS) if (b[c] !== 0) counters[c] = b[c];
        if (Object.keys(counters).length) out[`${b.shopId}|${scope}|${b.key}|${gran}|${b.period}`] = counters;
      }
    }
  }
  return out;
}

describe('rollup rebuild', () => {
  it('a full recompute from raw clicks and orders equals the incremental counters', async () => {
    const live = new RollupWriter({ intervalMs: 0 });
    const shops = [
      { _id: oid(), timezone: 'Asia/Jakarta' },
      { _id: oid(), timezone: 'Asia/Makassar' },
    ];
    for (const [i, s] of shops.entries()) {
      await ShopModel.create({ _id: s._id, ownerId: oid(), name: `Toko ${i}`, slug: `toko-rebuild-${i}-${s._id}`, whatsapp: '+6281234567890', timezone: s.timezone });
    }
    const resellers = SEGMENTS.map((segment) => ({ id: oid(), segment }));
    for (const s of shops) {
      for (const r of resellers) await MembershipModel.create({ shopId: s._id, resellerId: r.id, status: 'approved', segment: r.segment });
    }
    const products = [oid(), oid()];
    const links = resellers.map((r, i) => ({ id: oid(), reseller: r, channel: CHANNELS[i % CHANNELS.length] as Channel }));

    // Clicks spread around Jakarta and Makassar midnights (17:00Z and 16:00Z).
    const base = Date.parse('2026-11-21T15:30:00Z');
    const clicks: ClickEventRecord[] = [];
    for (let i = 0; i < 300; i += 1) {
      const shop = shops[i % 2]!;
      const link = links[i % links.length]!;
      const kind = i % 17 === 0 ? 'bot' : i % 13 === 0 ? 'preview' : 'click';
      const earns = i % 11 !== 0;
      clicks.push({
        _id: oid(),
        linkId: link.id,
        code: `c${i}`,
        shopId: shop._id,
        productId: i % 5 === 0 ? null : products[i % 2]!,
        resellerId: earns ? link.reseller.id : null,
        kind,
        unique: i % 3 !== 0,
        visitorHash: null,
        ipHash: 'h',
        device: 'mobile',
        os: 'android',
        browser: 'chrome',
        referrerHost: null,
        utm: {},
        channel: link.channel,
        viaQr: false,
        at: new Date(base + i * 37_000),
      });
    }
    await ClickEventModel.collection.insertMany(clicks);
    for (const c of clicks) {
      const shop = shops.find((s) => s._id.equals(c.shopId))!;
      const resellerId = c.resellerId ? String(c.resellerId) : null;
      const segment = resellers.find((r) => resellerId && r.id.equals(resellerId))?.segment ?? null;
      live.add(
        clickFact(
          { shopId: String(c.shopId), productId: c.productId ? String(c.productId) : null, resellerId, linkId: String(c.linkId), segment, channel: c.channel, kind: c.kind, unique: c.unique, at: c.at },
          shop.timezone,
        ),
      );
    }

    // Orders: some attributed, some cancelled or refunded later (the live path subtracts them).
    for (let i = 0; i < 40; i += 1) {
      const shop = shops[i % 2]!;
      const link = i % 4 === 0 ? null : links[i % links.length]!;
      const createdAt = new Date(base + i * 311_000);
      const quantity = 1 + (i % 3);
      const order = {
        shopId: shop._id,
        productId: products[i % 2]!,
        productName: 'Keripik',
        quantity,
        unitPrice: 25_000,
        total: quantity * 25_000,
        buyer: { name: 'Budi', phone: '+6281200000000' },
        status: 'pending',
        source: 'checkout',
        attribution: link ? { resellerId: link.reseller.id, linkId: link.id, via: 'cookie', segment: link.reseller.segment as Segment, channel: link.channel } : null,
        commission: link ? Math.floor(quantity * 25_000 * 0.07) : 0,
        reviewToken: `rt-${i}-${String(shop._id)}`,
        dedupeKey: `d-${i}-${String(shop._id)}`,
      };
      const doc = await OrderModel.create(order);
      await OrderModel.collection.updateOne({ _id: doc._id }, { $set: { createdAt } });
      const input = {
        shopId: String(shop._id),
        productId: String(order.productId),
        quantity,
        total: order.total,
        commission: order.commission,
        createdAt,
        attribution: link ? { resellerId: String(link.reseller.id), linkId: String(link.id), segment: link.reseller.segment, channel: link.channel } : null,
      };
      live.add(orderFact(input, shop.timezone));
      if (i % 7 === 3) {
        await OrderModel.updateOne({ _id: doc._id }, { status: i % 2 ? 'refunded' : 'cancelled' });
        live.add(orderFact(input, shop.timezone, -1));
      }
    }
    await live.flush();

    const incremental = await snapshot();
    expect(Object.keys(incremental).length).toBeGreaterThan(50);
    // The Jakarta shop has buckets on both sides of its midnight.
    const jakartaDays = Object.keys(incremental).filter((k) => k.startsWith(`${String(shops[0]!._id)}|shop|`) && k.includes('|day|'));
    expect(jakartaDays.map((k) => k.split('|').pop())).toEqual(['2026-11-21', '2026-11-22']);

    const result = await rebuildRollups();
    expect(result).toMatchObject({ clicks: 300, orders: 40 - 6 });
    expect(await snapshot()).toEqual(incremental);
  });
});
