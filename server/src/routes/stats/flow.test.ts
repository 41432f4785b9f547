import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import type { Link, LiveClickEvent, LiveOrderEvent, LiveServerEvents, StatsResult } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, buildPhone } from '../../../test/factories';
import { rollupCollection } from '../../models/Rollup';
import { rebuildRollups } from '../../rollups/rollupRebuilder';
import { mergeWriters } from '../../rollups/rollupReader';

useTestDatabase();

const BROWSER = 'Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36';
const WHATSAPP_PREVIEW = 'WhatsApp/2.23.20.0 A';

let app: TestApp;
let socket: Socket<LiveServerEvents> | undefined;

beforeAll(async () => {
  // Behind a proxy, so each X-Forwarded-For is its own visitor.
  app = buildTestApp({ publicUrl: 'https://tular.test', trustProxy: true });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  socket?.disconnect();
  await app.close(100);
  await app.deps.lifecycle.shutdown();
});

async function snapshot(): Promise<Record<string, unknown>> {
  const docs = await rollupCollection().find({}).toArray();
  const out: Record<string, unknown> = {};
  for (const scope of ['shop', 'product', 'reseller', 'link', 'segment', 'channel']) {
    for (const gran of ['hour', 'day']) {
      for (const b of mergeWriters(docs.filter((d) => d.scope === scope && d.granularity === gran))) {
        out[`${b.shopId}|${scope}|${b.key}|${gran}|${b.period}`] = { ...b, start: b.start.toISOString() };
      }
    }
  }
  return out;
}

/**
 * The whole path a shop owner watches: real clicks through /r/:code and real checkouts reach the
 * owner's socket live, the stats API, and counters that a rebuild from raw data reproduces.
 */
describe('from click to dashboard', () => {
  it('counts real clicks and orders live, in the stats API, and identically after a rebuild', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const product = await buildProduct(app, owner, shop.id, { price: 25_000, stock: 100 });
    const reseller = await buildReseller(app, { segment: 'influencer' });
    await joinShop(app, reseller, shop.id, owner);
    const linkRes = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, channel: 'whatsapp' });
    expect(linkRes.status).toBe(201);
    const link = linkRes.body.data as Link;

    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    socket = connect(url, { auth: { token: owner.accessToken }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise((resolve) => socket!.once('ready', resolve));
    const clicks: LiveClickEvent[] = [];
    const orders: LiveOrderEvent[] = [];
    socket.on('click', (e) => clicks.push(e));
    socket.on('order', (e) => orders.push(e));

    // 12 visitors (each its own IP), one of them twice; 1 WhatsApp preview fetch.
    for (let i = 0; i < 12; i += 1) {
      const res = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', `10.9.0.${i + 1}`);
      expect(res.status).toBe(302);
    }
    await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', '10.9.0.1');
    await app.http.get(`/r/${link.code}`).set('User-Agent', WHATSAPP_PREVIEW).set('X-Forwarded-For', '10.9.0.99');

    // Three orders with the code; one is cancelled afterwards.
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await app.http
        .post('/api/v1/checkout')
        .send({ productId: product.id, quantity: 2, buyer: { name: 'Budi', phone: buildPhone(), address: 'Malang' }, ref: link.code });
      expect(res.status).toBe(201);
      orderIds.push(res.body.data.id as string);
    }
    expect((await app.http.patch(`/api/v1/orders/${orderIds[0]}`).set(owner.auth).send({ status: 'cancelled' })).status).toBe(200);

    await app.redirect.clicks.flush();
    await app.deps.rollups.flush();

    // Live: the clicks arrived coalesced, with counts, and the orders too.
    const until = Date.now() + 5000;
    while (clicks.reduce((s, e) => s + e.count, 0) < 14 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(clicks.reduce((s, e) => s + e.clicks, 0)).toBe(13);
    expect(clicks.reduce((s, e) => s + e.previews, 0)).toBe(1);
    expect(clicks.flatMap((e) => e.items).every((i) => i.linkId === link.id && i.channel === 'whatsapp')).toBe(true);
    while (orders.reduce((s, e) => s + e.count, 0) < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(orders.flatMap((e) => e.items).map((i) => i.status)).toEqual(['pending', 'pending', 'pending', 'cancelled']);

    // The stats API: 13 clicks (12 unique), 2 standing orders of Rp 50.000.
    const stats = await app.http.get(`/api/v1/shops/${shop.id}/stats?by=reseller`).set(owner.auth);
    expect(stats.status).toBe(200);
    const data = stats.body.data as StatsResult;
    expect(data.totals).toMatchObject({ clicks: 13, uniqueClicks: 12, previews: 1, orders: 2, units: 4, revenue: 100_000, aov: 50_000 });
    expect(data.totals.conversionBp).toBe(Math.round((2 * 10_000) / 13));
    expect(data.breakdown).toEqual([expect.objectContaining({ key: reseller.user.id, segment: 'influencer', orders: 2 })]);
    const mine = await app.http.get('/api/v1/me/stats?by=link').set(reseller.auth);
    expect(mine.body.data.breakdown).toEqual([expect.objectContaining({ key: link.id, label: link.code, clicks: 13, orders: 2 })]);

    // A rebuild from the raw click events and orders reproduces every counter.
    const incremental = await snapshot();
    await rebuildRollups({ shopId: shop.id, clickRetentionDays: 90 });
    expect(Object.keys(incremental).length).toBeGreaterThan(10);
    expect(await snapshot()).toEqual(incremental);
  });
});
