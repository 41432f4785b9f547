import type { Channel, Segment, StatsResult, Leaderboard } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, type Registered } from '../../../test/factories';
import { clickFact, orderFact } from '../../rollups/rollupFacts';
import { monthRange } from '../../rollups/buckets';

useTestDatabase();

const TZ = 'Asia/Jakarta';
let app: TestApp;
let owner: Registered;
let stranger: Registered;
let rina: Registered;
let budi: Registered;
let shopId: string;
let productId: string;
let product2Id: string;

function click(at: string, extra: { resellerId?: string; segment?: Segment; productId?: string; channel?: Channel; unique?: boolean; kind?: 'click' | 'bot' | 'preview' } = {}): void {
  app.deps.rollups.add(
    clickFact(
      { shopId, productId: extra.productId ?? productId, resellerId: extra.resellerId ?? rina.user.id, linkId: 'a'.repeat(24), segment: extra.segment ?? 'buzzer', channel: extra.channel ?? 'whatsapp', kind: extra.kind ?? 'click', unique: extra.unique ?? true, at: new Date(at) },
      TZ,
    ),
  );
}

function order(at: string, total: number, commission: number, resellerId = rina.user.id, segment: Segment = 'buzzer', pid = productId): void {
  app.deps.rollups.add(
    orderFact({ shopId, productId: pid, quantity: 1, total, commission, createdAt: new Date(at), attribution: { resellerId, linkId: 'a'.repeat(24), segment, channel: 'whatsapp' } }, TZ),
  );
}

beforeAll(async () => {
  app = buildTestApp();
  owner = await buildOwner(app);
  stranger = await buildOwner(app);
  rina = await buildReseller(app, { segment: 'buzzer', name: 'Rina Kartika Sari' });
  budi = await buildReseller(app, { segment: 'influencer', name: 'Budi Santoso' });
  shopId = (await buildShop(app, owner)).id;
  productId = (await buildProduct(app, owner, shopId, { name: 'Keripik Tempe' })).id;
  product2Id = (await buildProduct(app, owner, shopId, { name: 'Sambal Roa' })).id;
  await joinShop(app, rina, shopId, owner);
  await joinShop(app, budi, shopId, owner);

  // 21 Nov (Jakarta): 4 clicks (3 unique), 1 bot; 2 orders. 22 Nov starts at 17:00Z on the 21st.
  click('2026-11-21T02:00:00Z');
  click('2026-11-21T10:00:00Z', { unique: false });
  click('2026-11-21T16:59:59Z', { channel: 'instagram' });
  click('2026-11-21T16:59:59Z', { kind: 'bot' });
  click('2026-11-21T05:00:00Z', { resellerId: budi.user.id, segment: 'influencer', productId: product2Id });
  order('2026-11-21T11:00:00Z', 50_000, 5_000);
  order('2026-11-21T12:00:00Z', 30_000, 3_000, budi.user.id, 'influencer', product2Id);
  // 22 Nov (Jakarta) from its first second: 1 click, 1 order.
  click('2026-11-21T17:00:00Z');
  order('2026-11-21T17:00:00Z', 20_000, 1_000);
  // 24 Nov: an order with no clicks at all.
  order('2026-11-24T03:00:00Z', 10_000, 0);
  await app.deps.rollups.flush();
});

afterAll(() => app.deps.lifecycle.shutdown());

const statsUrl = (q: string): string => `/api/v1/shops/${shopId}/stats?${q}`;

describe('GET /shops/:shopId/stats', () => {
  it('buckets by Jakarta day (16:59:59Z and 17:00:00Z fall on different days) and computes the metrics', async () => {
    const res = await app.http.get(statsUrl('from=2026-11-21&to=2026-11-24')).set(owner.auth);
    expect(res.status).toBe(200);
    const data = res.body.data as StatsResult;
    expect(data.range).toMatchObject({ from: '2026-11-20T17:00:00.000Z', to: '2026-11-24T17:00:00.000Z', granularity: 'day', timezone: TZ });
    expect(data.series.map((s) => s.period)).toEqual(['2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24']);
    const [d21, d22, d23, d24] = data.series;
    expect(d21).toMatchObject({ clicks: 4, uniqueClicks: 3, botClicks: 1, orders: 2, revenue: 80_000, commission: 8_000 });
    // 2 orders / 4 clicks = 50% = 5000 bp; EPC = 8000 × 100 / 4 = 200000 per 100 clicks; AOV 40000.
    expect(d21).toMatchObject({ conversionBp: 5000, epc: 200_000, aov: 40_000 });
    expect(d22).toMatchObject({ clicks: 1, orders: 1, revenue: 20_000, conversionBp: 10_000, epc: 100_000, aov: 20_000 });
    // A day with nothing, and a day with an order but no clicks: rates are 0, never NaN.
    expect(d23).toMatchObject({ clicks: 0, orders: 0, conversionBp: 0, epc: 0, aov: 0 });
    expect(d24).toMatchObject({ clicks: 0, orders: 1, conversionBp: 0, epc: 0, aov: 10_000 });
    expect(data.totals).toMatchObject({ clicks: 5, uniqueClicks: 4, orders: 4, revenue: 110_000, commission: 9_000, aov: 27_500, conversionBp: 8000 });
    expect(JSON.stringify(data)).not.toMatch(/NaN|null/);
  });

  it('splits hours at Jakarta midnight', async () => {
    const res = await app.http.get(statsUrl('from=2026-11-21T16:00:00Z&to=2026-11-21T18:00:00Z&granularity=hour')).set(owner.auth);
    expect(res.status).toBe(200);
    const data = res.body.data as StatsResult;
    expect(data.series.map((s) => [s.period, s.clicks])).toEqual([
      ['2026-11-21T23', 1],
      ['2026-11-22T00', 1],
    ]);
  });

  it('breaks down by product, reseller, segment and channel', async () => {
    const get = async (by: string): Promise<NonNullable<StatsResult['breakdown']>> => {
      const res = await app.http.get(statsUrl(`from=2026-11-21&to=2026-11-30&by=${by}`)).set(owner.auth);
      expect(res.status).toBe(200);
      return (res.body.data as StatsResult).breakdown!;
    };
    expect((await get('product')).map((b) => [b.label, b.orders, b.revenue])).toEqual([
      ['Keripik Tempe', 3, 80_000],
      ['Sambal Roa', 1, 30_000],
    ]);
    expect((await get('reseller')).map((b) => [b.label, b.segment, b.clicks, b.orders])).toEqual([
      ['Rina Kartika Sari', 'buzzer', 4, 3],
      ['Budi Santoso', 'influencer', 1, 1],
    ]);
    expect((await get('segment')).map((b) => [b.key, b.revenue])).toEqual([
      ['buzzer', 80_000],
      ['influencer', 30_000],
    ]);
    expect((await get('channel')).map((b) => [b.key, b.clicks])).toEqual([
      ['whatsapp', 4],
      ['instagram', 1],
    ]);
  });

  it('validates the range and names the field', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-11-10T00:00:00Z&to=2026-11-01T00:00:00Z', 'query.to'],
      ['from=2025-01-01&to=2026-11-01', 'query.from'],
      ['from=2026-09-01&to=2026-11-01&granularity=hour', 'query.granularity'],
      ['from=yesterday', 'query.from'],
      ['granularity=week', 'query.granularity'],
      ['by=colour', 'query.by'],
    ];
    for (const [q, path] of cases) {
      const res = await app.http.get(statsUrl(q)).set(owner.auth);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    // A lone `from` older than 400 days is caught after the default `to` (now) is filled in.
    const lone = await app.http.get(statsUrl('from=2020-01-01')).set(owner.auth);
    expect(lone.status).toBe(400);
    expect(lone.body.error.details[0].path).toBe('query.from');
  });

  it("is the owner's: another owner and resellers get 403, no token 401", async () => {
    expect((await app.http.get(statsUrl('')).set(stranger.auth)).status).toBe(403);
    expect((await app.http.get(statsUrl('')).set(rina.auth)).status).toBe(403);
    expect((await app.http.get(statsUrl(''))).status).toBe(401);
    expect((await app.http.get('/api/v1/shops/0123456789abcdef01234567/stats').set(owner.auth)).status).toBe(404);
  });
});

describe('GET /me/stats', () => {
  it("shows a reseller only their own clicks and sales, by shop", async () => {
    const res = await app.http.get('/api/v1/me/stats?from=2026-11-21&to=2026-11-24&by=shop').set(rina.auth);
    expect(res.status).toBe(200);
    const data = res.body.data as StatsResult;
    expect(data.totals).toMatchObject({ clicks: 4, orders: 3, revenue: 80_000, commission: 6_000 });
    expect(data.breakdown).toEqual([expect.objectContaining({ key: shopId, orders: 3 })]);
    expect((await app.http.get('/api/v1/me/stats').set(owner.auth)).status).toBe(403);
  });
});

describe('leaderboards', () => {
  beforeAll(async () => {
    // October's sales (the November ones above belong to another month's board).
    order('2026-10-05T03:00:00Z', 40_000, 4_000, budi.user.id, 'influencer');
    order('2026-10-31T16:30:00Z', 40_000, 4_000, budi.user.id, 'influencer');
    order('2026-10-20T03:00:00Z', 25_000, 2_500);
    // 31 Oct 17:00Z is already 1 November in Jakarta: not October's.
    order('2026-10-31T17:00:00Z', 99_000, 9_000);
    await app.deps.rollups.flush();
  });

  it('ranks a shop\'s resellers by sales this month, with segment and money, for the owner and members only', async () => {
    const current = await app.http.get(`/api/v1/shops/${shopId}/leaderboard?period=month`).set(owner.auth);
    expect(current.status).toBe(200);
    expect(current.body.data.month).toBe(monthRange(new Date(), TZ).label);
    const res = await app.http.get(`/api/v1/shops/${shopId}/leaderboard?period=month&month=2026-10`).set(owner.auth);
    expect(res.status).toBe(200);
    const board = res.body.data as Leaderboard;
    expect(board.month).toBe('2026-10');
    expect(board.entries.map((e) => [e.rank, e.name, e.segment, e.orders, e.revenue])).toEqual([
      [1, 'Budi Santoso', 'influencer', 2, 80_000],
      [2, 'Rina Kartika Sari', 'buzzer', 1, 25_000],
    ]);
    expect((await app.http.get(`/api/v1/shops/${shopId}/leaderboard`).set(rina.auth)).status).toBe(200);
    expect((await app.http.get(`/api/v1/shops/${shopId}/leaderboard`).set(stranger.auth)).status).toBe(403);
    const outsider = await buildReseller(app);
    expect((await app.http.get(`/api/v1/shops/${shopId}/leaderboard`).set(outsider.auth)).status).toBe(403);
  });

  it('"Pahlawan Digital UMKM" is public, shows counts not money, and hides resellers who opt out', async () => {
    const before = await app.http.get('/api/v1/leaderboard?month=2026-10');
    expect(before.status).toBe(200);
    expect(before.body.data.title).toBe('Pahlawan Digital UMKM');
    const mine = (before.body.data as Leaderboard).entries.filter((e) => [rina.user.id, budi.user.id].includes(e.resellerId));
    expect(mine.map((e) => [e.name, e.segment, e.orders])).toEqual([
      ['Budi S.', 'influencer', 2],
      ['Rina S.', 'buzzer', 1],
    ]);
    expect(mine[0]).not.toHaveProperty('revenue');

    const pref = await app.http.patch('/api/v1/me/preferences').set(budi.auth).send({ leaderboardOptOut: true });
    expect(pref.status).toBe(200);
    expect(pref.body.data).toEqual({ leaderboardOptOut: true });
    const after = await app.http.get('/api/v1/leaderboard?month=2026-10');
    const ids = (after.body.data as Leaderboard).entries.map((e) => e.resellerId);
    expect(ids).not.toContain(budi.user.id);
    expect(ids).toContain(rina.user.id);
    expect((await app.http.patch('/api/v1/me/preferences').set(budi.auth).send({ leaderboardOptOut: 'yes' })).status).toBe(400);
  });
});

describe('a reseller’s breakdown never exceeds their credited totals', () => {
  const BROWSER = 'Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36';
  const sum = (rows: Array<Record<string, number | string | null>> | undefined, k: string): number => (rows ?? []).reduce((t, r) => t + Number(r[k] ?? 0), 0);

  it('clicks on their link while blocked are not credited — not in the totals, not in ?by=link or ?by=product', async () => {
    const shopOwner = await buildOwner(app);
    const shop = (await buildShop(app, shopOwner)).id;
    const product = (await buildProduct(app, shopOwner, shop, { name: 'Kopi Dampit' })).id;
    const seller = await buildReseller(app, { segment: 'follower' });
    const membership = await joinShop(app, seller, shop, shopOwner);
    const link = (await app.http.post('/api/v1/links').set(seller.auth).send({ productId: product })).body.data as { id: string; code: string };
    for (let i = 0; i < 3; i += 1) expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    expect((await app.http.patch(`/api/v1/memberships/${membership.id}`).set(shopOwner.auth).send({ status: 'blocked' })).status).toBe(200);
    // Still redirected (the buyer gets the product page), but nobody is credited.
    for (let i = 0; i < 2; i += 1) expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    await app.redirect.clicks.flush();
    await app.deps.rollups.flush();

    for (const by of ['link', 'product', 'shop']) {
      const res = await app.http.get(`/api/v1/me/stats?by=${by}`).set(seller.auth);
      expect(res.status).toBe(200);
      const data = res.body.data as StatsResult;
      expect([by, data.totals.clicks]).toEqual([by, 3]);
      const rows = data.breakdown as unknown as Array<Record<string, number | string | null>>;
      for (const k of ['clicks', 'uniqueClicks', 'orders', 'revenue', 'commission']) expect([by, k, sum(rows, k)]).toEqual([by, k, Number((data.totals as unknown as Record<string, number>)[k])]);
    }
    // The owner sees all 5 visits in the shop's totals; per link and per reseller, the 3 credited ones.
    const shopStats = (by: string): Promise<StatsResult> => app.http.get(`/api/v1/shops/${shop}/stats?by=${by}`).set(shopOwner.auth).then((r) => r.body.data as StatsResult);
    expect((await shopStats('product')).totals.clicks).toBe(5);
    expect(sum((await shopStats('link')).breakdown as unknown as Array<Record<string, number>>, 'clicks')).toBe(3);
    expect(sum((await shopStats('reseller')).breakdown as unknown as Array<Record<string, number>>, 'clicks')).toBe(3);
  });
});
