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
import { clickRebuildCutoff, rebuildRollups } from './rollupRebuilder';
import { purgeOldClicks } from '../jobs/clickRetention';
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

    // Every click here is recent (inside the retention window at `now`), so all are recomputed.
    const result = await rebuildRollups({ clickRetentionDays: 90, now: new Date(base + 86_400_000) });
    expect(result).toMatchObject({ clicks: 300, orders: 40 - 6, keptClickBuckets: 0 });
    expect(await snapshot()).toEqual(incremental);
  });

  it('keeps click counters older than the raw-event retention (purged) and recomputes orders for all time', async () => {
    const live = new RollupWriter({ intervalMs: 0 });
    const shopId = oid();
    await ShopModel.create({ _id: shopId, ownerId: oid(), name: 'Toko Lama', slug: `toko-lama-${shopId}`, whatsapp: '+6281234567890', timezone: 'Asia/Jakarta' });
    const reseller = oid();
    await MembershipModel.create({ shopId, resellerId: reseller, status: 'approved', segment: 'buzzer' });
    const linkId = oid();
    const productId = oid();
    const now = new Date('2026-11-22T05:00:00Z');
    const daysAgo = (d: number, extraMs = 0): Date => new Date(now.getTime() - d * 86_400_000 + extraMs);
    const cutoff = clickRebuildCutoff(now, 90, 'Asia/Jakarta');
    // Local midnight in Jakarta (17:00Z), inside the window, at most a day and an hour after now − 90 days.
    expect(cutoff.getUTCHours()).toBe(17);
    expect(cutoff.getTime()).toBeGreaterThanOrEqual(daysAgo(90).getTime());
    expect(cutoff.getTime()).toBeLessThan(daysAgo(89).getTime() + 3_600_000);

    // Clicks 200 and 120 days ago (to be purged), on the day around the cutoff, and 5 days ago.
    const times = [daysAgo(200), daysAgo(200, 60_000), daysAgo(120), daysAgo(90, -3_600_000), new Date(cutoff.getTime() - 1000), cutoff, daysAgo(5), daysAgo(5, 1000)];
    const clicks: ClickEventRecord[] = times.map((at, i) => ({
      _id: oid(),
      linkId,
      code: `old${i}`,
      shopId,
      productId,
      resellerId: reseller,
      kind: i === 2 ? 'bot' : 'click',
      unique: i % 2 === 0,
      visitorHash: null,
      ipHash: 'h',
      device: 'mobile',
      os: 'android',
      browser: 'chrome',
      referrerHost: null,
      utm: {},
      channel: 'whatsapp',
      viaQr: false,
      at,
    }));
    await ClickEventModel.collection.insertMany(clicks);
    const fact = (c: ClickEventRecord): ReturnType<typeof clickFact> =>
      clickFact({ shopId: String(shopId), productId: String(productId), resellerId: String(reseller), linkId: String(linkId), segment: 'buzzer', channel: 'whatsapp', kind: c.kind, unique: c.unique, at: c.at }, 'Asia/Jakarta');
    for (const c of clicks) live.add(fact(c));

    // Orders 200 days ago and 5 days ago.
    const orderInputs = [daysAgo(200), daysAgo(5)].map((createdAt, i) => ({ createdAt, i }));
    const inputs = [];
    for (const { createdAt, i } of orderInputs) {
      const doc = await OrderModel.create({
        shopId,
        productId,
        productName: 'Keripik',
        quantity: 2,
        unitPrice: 25_000,
        total: 50_000,
        buyer: { name: 'Budi', phone: '+6281200000000' },
        status: 'fulfilled',
        source: 'checkout',
        attribution: { resellerId: reseller, linkId, via: 'cookie', segment: 'buzzer', channel: 'whatsapp' },
        commission: 2_500,
        reviewToken: `rt-old-${i}-${String(shopId)}`,
        dedupeKey: `d-old-${i}-${String(shopId)}`,
      });
      await OrderModel.collection.updateOne({ _id: doc._id }, { $set: { createdAt } });
      const input = { shopId: String(shopId), productId: String(productId), quantity: 2, total: 50_000, commission: 2_500, createdAt, attribution: { resellerId: String(reseller), linkId: String(linkId), segment: 'buzzer' as const, channel: 'whatsapp' as const } };
      inputs.push(input);
      live.add(orderFact(input, 'Asia/Jakarta'));
    }
    await live.flush();
    const correct = await snapshot();

    // The retention job purges the raw events older than 90 days.
    expect(await purgeOldClicks(90, now)).toBe(4);
    // Damage to repair: an old order counted twice (a lost refund, say) and a recent click counted twice.
    const damage = new RollupWriter({ intervalMs: 0 });
    damage.add(orderFact(inputs[0]!, 'Asia/Jakarta'));
    damage.add(fact(clicks[7]!));
    await damage.flush();
    expect(await snapshot()).not.toEqual(correct);

    const result = await rebuildRollups({ shopId: String(shopId), clickRetentionDays: 90, now });
    expect(result).toMatchObject({ orders: 2, clicks: 3 });
    expect(result.keptClickBuckets).toBeGreaterThan(0);
    const rebuilt = await snapshot();
    expect(rebuilt).toEqual(correct);
    // The purged period still shows its clicks: 2 clicks (1 unique) 200 days ago and the bot 120 days ago.
    const day200 = Object.entries(rebuilt).find(([k]) => k === `${String(shopId)}|shop|${String(shopId)}|day|2026-05-06`);
    expect(day200?.[1]).toEqual({ clicks: 2, uniqueClicks: 1, orders: 1, units: 2, revenue: 50_000, commission: 2_500 });
    const bots = Object.entries(rebuilt).filter(([k, v]) => k.startsWith(`${String(shopId)}|shop|`) && k.includes('|day|') && v.botClicks);
    expect(bots).toEqual([[`${String(shopId)}|shop|${String(shopId)}|day|2026-07-25`, { botClicks: 1 }]]);

    // A second rebuild changes nothing.
    await rebuildRollups({ shopId: String(shopId), clickRetentionDays: 90, now });
    expect(await snapshot()).toEqual(correct);
  });
});
