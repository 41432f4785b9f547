import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildReseller, buildShop } from '../../../test/factories';
import type { ShopChanged } from '../../events/bus';
import { signAccessToken } from '../../lib/accessTokens';

useTestDatabase();
const app = buildTestApp();

describe('creating shops', () => {
  it('creates a shop with defaults filled in and the WhatsApp number in E.164', async () => {
    const owner = await buildOwner(app);
    const res = await app.http.post('/api/v1/shops').set(owner.auth).send({ name: 'Aneka Makanan Albar', slug: 'Albar-Malang', whatsapp: '0812-3456-7890' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      ownerId: owner.user.id,
      slug: 'albar-malang',
      whatsapp: '+6281234567890',
      timezone: 'Asia/Jakarta',
      joinPolicy: 'open',
      commission: { type: 'percent', bySegment: { buzzer: 500, influencer: 1000, follower: 700 }, tiers: [], uplineBp: 200 },
      attributionDays: 7,
      holdDays: 7,
      minPayout: 10000,
      paymentInstructions: [],
      logoUrl: null,
      active: true,
    });
    expect(res.body.data).not.toHaveProperty('conversionSecretHash');
    const fetched = await app.http.get('/api/v1/shops/albar-malang');
    expect(fetched.status).toBe(200);
    expect(fetched.body.data.id).toBe(res.body.data.id);
    const byId = await app.http.get(`/api/v1/shops/${res.body.data.id}`);
    expect(byId.body.data.slug).toBe('albar-malang');
  });

  it('only lets owners create shops (reseller 403, anonymous 401)', async () => {
    const reseller = await buildReseller(app);
    const body = { name: 'X', slug: 'toko-reseller', whatsapp: '081234567890' };
    expect((await app.http.post('/api/v1/shops').set(reseller.auth).send(body)).status).toBe(403);
    expect((await app.http.post('/api/v1/shops').send(body)).status).toBe(401);
  });

  it('answers a taken slug with 409 SLUG_TAKEN, also when two owners race for it', async () => {
    const [a, b] = await Promise.all([buildOwner(app), buildOwner(app)]);
    const body = { name: 'Kopi', slug: 'kopi-dampit', whatsapp: '081234567890' };
    const results = await Promise.all([app.http.post('/api/v1/shops').set(a.auth).send(body), app.http.post('/api/v1/shops').set(b.auth).send(body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const conflict = results.find((r) => r.status === 409)!;
    expect(conflict.body.error.code).toBe('SLUG_TAKEN');
    expect(conflict.body.error.details[0].path).toBe('body.slug');
  });

  it('rejects bad input with 400s naming the field', async () => {
    const owner = await buildOwner(app);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ slug: 'Bad Slug!' }, 'body.slug'],
      [{ slug: '-x' }, 'body.slug'],
      [{ slug: 'a'.repeat(41) }, 'body.slug'],
      [{ slug: '0123456789abcdef01234567' }, 'body.slug'],
      [{ name: 'n'.repeat(101) }, 'body.name'],
      [{ whatsapp: '12345' }, 'body.whatsapp'],
      [{ timezone: 'Mars/Olympus' }, 'body.timezone'],
      [{ attributionDays: 0 }, 'body.attributionDays'],
      [{ attributionDays: 91 }, 'body.attributionDays'],
      [{ holdDays: 10 }, 'body.holdDays'],
      [{ joinPolicy: 'invite' }, 'body.joinPolicy'],
      [{ minPayout: -1 }, 'body.minPayout'],
      [{ minPayout: 1.5 }, 'body.minPayout'],
      [{ isVerified: true }, 'body.isVerified'],
      [{ commission: { type: 'percent', bySegment: { buzzer: -5, influencer: 1, follower: 1 } } }, 'body.commission.bySegment.buzzer'],
      [{ commission: { type: 'percent', bySegment: { buzzer: 9900, influencer: 1, follower: 1 }, uplineBp: 200 } }, 'body.commission.bySegment.buzzer'],
      [{ commission: { type: 'percent', bySegment: { buzzer: 1, influencer: 1, follower: 1 }, extra: 1 } }, 'body.commission.extra'],
      [{ paymentInstructions: [{ method: 'cash', provider: 'BCA', accountName: 'A', accountNumber: '123' }] }, 'body.paymentInstructions.0.method'],
      [{ paymentInstructions: [{ method: 'bank', provider: 'BCA', accountName: 'A', accountNumber: 'abc' }] }, 'body.paymentInstructions.0.accountNumber'],
    ];
    for (const [patch, path] of cases) {
      const res = await app.http
        .post('/api/v1/shops')
        .set(owner.auth)
        .send({ name: 'Toko', slug: 'toko-valid', whatsapp: '081234567890', ...patch });
      expect({ patch, status: res.status }).toEqual({ patch, status: 400 });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it('names the broken limit, so the client can say "at most 90 days" in Bahasa Indonesia', async () => {
    const owner = await buildOwner(app);
    const res = await app.http
      .post('/api/v1/shops')
      .set(owner.auth)
      .send({ name: 'Toko', slug: 'toko-batas', whatsapp: '081234567890', attributionDays: 91, name2: 'x' });
    expect(res.status).toBe(400);
    const byPath = Object.fromEntries(res.body.error.details.map((d: { path: string }) => [d.path, d]));
    expect(byPath['body.attributionDays']).toMatchObject({ code: 'too_big', maximum: 90, origin: 'number' });
    expect(byPath['body.name2']).toMatchObject({ code: 'unrecognized_keys' });
  });

  it('stores flat commissions, tiers and payment instructions as given', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner, {
      joinPolicy: 'approval',
      commission: { type: 'flat', bySegment: { buzzer: 2000, influencer: 5000, follower: 3000 }, tiers: [{ minMonthlySales: 1_000_000, bonusBp: 200 }], uplineBp: 100 },
      holdDays: 14,
      attributionDays: 30,
      timezone: 'Asia/Makassar',
      paymentInstructions: [{ method: 'ewallet', provider: 'DANA', accountName: 'Bu Albar', accountNumber: '0812 3456 7890' }],
    });
    expect(shop).toMatchObject({
      joinPolicy: 'approval',
      commission: { type: 'flat', bySegment: { buzzer: 2000, influencer: 5000, follower: 3000 }, tiers: [{ minMonthlySales: 1_000_000, bonusBp: 200 }], uplineBp: 100 },
      holdDays: 14,
      attributionDays: 30,
      timezone: 'Asia/Makassar',
      paymentInstructions: [{ method: 'ewallet', provider: 'DANA', accountName: 'Bu Albar', accountNumber: '0812 3456 7890' }],
    });
  });
});

describe('editing shops', () => {
  it('lets only the shop’s owner (or an admin) edit it: another owner 403, reseller 403, anonymous 401', async () => {
    const [owner, other, reseller] = await Promise.all([buildOwner(app), buildOwner(app), buildReseller(app)]);
    const shop = await buildShop(app, owner);
    const events: ShopChanged[] = [];
    app.deps.bus.on('shop', (e) => events.push(e));
    const url = `/api/v1/shops/${shop.id}`;
    expect((await app.http.patch(url).set(other.auth).send({ name: 'Punya saya' })).status).toBe(403);
    expect((await app.http.patch(url).set(reseller.auth).send({ name: 'Punya saya' })).status).toBe(403);
    expect((await app.http.patch(url).send({ name: 'Punya saya' })).status).toBe(401);
    expect(events).toEqual([]);
    const ok = await app.http.patch(url).set(owner.auth).send({ name: 'Albar Jaya', joinPolicy: 'approval', holdDays: 0 });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ name: 'Albar Jaya', joinPolicy: 'approval', holdDays: 0, slug: shop.slug, minPayout: 10000 });
    expect(events).toEqual([{ shopId: shop.id }]);
    expect((await app.http.get(url.replace(shop.id, shop.slug))).body.data.name).toBe('Albar Jaya');
  });

  it('lets an admin moderate any shop (edit, list its resellers) but not create one', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const admin = { Authorization: `Bearer ${signAccessToken({ id: '0123456789abcdef01234567', role: 'admin' }, app.deps.config.jwtSecret, 600)}` };
    const res = await app.http.patch(`/api/v1/shops/${shop.id}`).set(admin).send({ active: false });
    expect(res.status).toBe(200);
    expect(res.body.data.active).toBe(false);
    expect((await app.http.get(`/api/v1/shops/${shop.id}/resellers`).set(admin)).status).toBe(200);
    expect((await app.http.post('/api/v1/shops').set(admin).send({ name: 'A', slug: 'admin-shop', whatsapp: '081234567890' })).status).toBe(403);
  });

  it('refuses an empty or unknown-key patch, a taken slug, and a missing shop', async () => {
    const owner = await buildOwner(app);
    const [a, b] = await Promise.all([buildShop(app, owner), buildShop(app, owner)]);
    const empty = await app.http.patch(`/api/v1/shops/${a.id}`).set(owner.auth).send({});
    expect(empty.status).toBe(400);
    const unknown = await app.http.patch(`/api/v1/shops/${a.id}`).set(owner.auth).send({ ownerId: owner.user.id });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('body.ownerId');
    const taken = await app.http.patch(`/api/v1/shops/${a.id}`).set(owner.auth).send({ slug: b.slug });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('SLUG_TAKEN');
    const missing = await app.http.patch('/api/v1/shops/0123456789abcdef01234567').set(owner.auth).send({ name: 'x' });
    expect(missing.status).toBe(404);
    const badId = await app.http.patch('/api/v1/shops/nope').set(owner.auth).send({ name: 'x' });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0].path).toBe('params.id');
  });

  it('hides a deactivated shop from the public but not from its owner', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    await app.http.patch(`/api/v1/shops/${shop.id}`).set(owner.auth).send({ active: false }).expect(200);
    expect((await app.http.get(`/api/v1/shops/${shop.slug}`)).status).toBe(404);
    expect((await app.http.get(`/api/v1/shops/${shop.slug}`).set(owner.auth)).status).toBe(200);
    const mine = await app.http.get('/api/v1/shops?mine=true').set(owner.auth);
    expect(mine.body.data.map((s: { id: string }) => s.id)).toContain(shop.id);
  });
});

describe('the public catalog', () => {
  it('searches by name (regex characters are literal), city and category, with stable cursor pages', async () => {
    const owner = await buildOwner(app);
    const tag = `Zq${Date.now().toString(36)}`;
    const made = [];
    for (let i = 0; i < 5; i += 1) {
      made.push(await buildShop(app, owner, { name: `${tag} Keripik ${i}`, city: i % 2 ? 'Malang' : 'Batu', category: 'Makanan' }));
    }
    await buildShop(app, owner, { name: `${tag} (.*) literal`, city: 'Malang' });
    const ids = made.map((s) => s.id).reverse();

    const page1 = await app.http.get(`/api/v1/shops?q=${tag.toLowerCase()}%20keripik&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
    // A shop created between pages must not shift what page 2 shows.
    await buildShop(app, owner, { name: `${tag} Keripik baru` });
    const page2 = await app.http.get(`/api/v1/shops?q=${tag}%20keripik&limit=2&cursor=${page1.body.page.next}`);
    expect(page2.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(2, 4));
    const page3 = await app.http.get(`/api/v1/shops?q=${tag}%20keripik&limit=2&cursor=${page2.body.page.next}`);
    expect(page3.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(4));
    expect(page3.body.page.next).toBeNull();

    const literal = await app.http.get(`/api/v1/shops?q=${encodeURIComponent('(.*)')}`);
    expect(literal.body.data.map((s: { name: string }) => s.name)).toEqual([`${tag} (.*) literal`]);
    const inMalang = await app.http.get(`/api/v1/shops?q=${tag}%20keripik&city=malang`);
    expect(inMalang.body.data).toHaveLength(3);
    const food = await app.http.get(`/api/v1/shops?q=${tag}&category=MAKANAN`);
    expect(food.body.data).toHaveLength(5);
  });

  it('rejects bad query parameters with 400 naming them', async () => {
    const bad = await app.http.get('/api/v1/shops?limit=1000&sort=name');
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['query.limit', 'query.sort']));
    const cursor = await app.http.get('/api/v1/shops?cursor=zzz');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.details[0].path).toBe('query.cursor');
    expect((await app.http.get('/api/v1/shops?mine=true')).status).toBe(401);
  });
});
