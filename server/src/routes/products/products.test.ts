import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop } from '../../../test/factories';

useTestDatabase();
const app = buildTestApp();

describe('listing products', () => {
  it('lets the shop’s owner list a product with commission override, marketplace links and captions', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const res = await app.http
      .post(`/api/v1/shops/${shop.id}/products`)
      .set(owner.auth)
      .send({
        name: 'Sambal Bawang Albar',
        description: 'Pedas, tanpa pengawet',
        category: 'Makanan',
        price: 35_000,
        stock: 20,
        commission: { type: 'flat', bySegment: { buzzer: 1000, influencer: 2500, follower: 1500 } },
        marketplace: { shopee: 'https://shopee.co.id/albar/123', tokopedia: 'https://www.tokopedia.com/albar/sambal', tiktok: 'https://shop.tiktok.com/view/product/1' },
        creativeKit: { captions: [{ lang: 'id', text: 'Sambal paling nendang!' }, { lang: 'en', text: 'The boldest sambal!' }] },
      });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      shopId: shop.id,
      price: 35_000,
      stock: 20,
      soldOut: false,
      active: true,
      photos: [],
      commission: { type: 'flat', bySegment: { buzzer: 1000, influencer: 2500, follower: 1500 }, tiers: [], uplineBp: 0 },
      marketplace: { shopee: 'https://shopee.co.id/albar/123', tokopedia: 'https://www.tokopedia.com/albar/sambal', tiktok: 'https://shop.tiktok.com/view/product/1' },
      creativeKit: { captions: [{ lang: 'id', text: 'Sambal paling nendang!' }, { lang: 'en', text: 'The boldest sambal!' }], photos: [] },
      rating: { average: null, count: 0 },
    });
    const plain = await buildProduct(app, owner, shop.id);
    expect(plain.commission).toBeNull();
  });

  it('only lets the shop’s owner list products: another owner 403, reseller 403, anonymous 401, unknown shop 404', async () => {
    const [owner, other, reseller] = await Promise.all([buildOwner(app), buildOwner(app), buildReseller(app)]);
    const shop = await buildShop(app, owner);
    const body = { name: 'X', price: 1000, stock: 1 };
    expect((await app.http.post(`/api/v1/shops/${shop.id}/products`).set(other.auth).send(body)).status).toBe(403);
    expect((await app.http.post(`/api/v1/shops/${shop.id}/products`).set(reseller.auth).send(body)).status).toBe(403);
    expect((await app.http.post(`/api/v1/shops/${shop.id}/products`).send(body)).status).toBe(401);
    expect((await app.http.post('/api/v1/shops/0123456789abcdef01234567/products').set(owner.auth).send(body)).status).toBe(404);
  });

  it('rejects bad products with 400s naming the field', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ price: -1 }, 'body.price'],
      [{ price: 0 }, 'body.price'],
      [{ price: 1000.5 }, 'body.price'],
      [{ price: '1000' }, 'body.price'],
      [{ stock: -1 }, 'body.stock'],
      [{ stock: 1.5 }, 'body.stock'],
      [{ name: '' }, 'body.name'],
      [{ name: 'n'.repeat(121) }, 'body.name'],
      [{ description: 'd'.repeat(5001) }, 'body.description'],
      [{ marketplace: { shopee: 'https://shopee.evil.com/x' } }, 'body.marketplace.shopee'],
      [{ marketplace: { shopee: 'http://shopee.co.id/x' } }, 'body.marketplace.shopee'],
      [{ marketplace: { tokopedia: 'https://tokopedia.com.evil.id/x' } }, 'body.marketplace.tokopedia'],
      [{ marketplace: { lazada: 'https://user:pw@lazada.co.id/x' } }, 'body.marketplace.lazada'],
      [{ marketplace: { tiktok: 'javascript:alert(1)' } }, 'body.marketplace.tiktok'],
      [{ marketplace: { bukalapak: 'https://bukalapak.com/x' } }, 'body.marketplace.bukalapak'],
      [{ creativeKit: { captions: [{ lang: 'jv', text: 'Monggo' }] } }, 'body.creativeKit.captions.0.lang'],
      [{ shopId: '0123456789abcdef01234567' }, 'body.shopId'],
      [{ ratingSum: 500 }, 'body.ratingSum'],
    ];
    for (const [patch, path] of cases) {
      const res = await app.http
        .post(`/api/v1/shops/${shop.id}/products`)
        .set(owner.auth)
        .send({ name: 'Produk', price: 1000, stock: 1, ...patch });
      expect({ patch, status: res.status }).toEqual({ patch, status: 400 });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });
});

describe('the public product page and list', () => {
  it('shows price, stock state, rating and the shop’s WhatsApp; sold out at stock 0', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner, { whatsapp: '0857-1111-2222', city: 'Malang' });
    const product = await buildProduct(app, owner, shop.id, { price: 12_500, stock: 0 });
    const res = await app.http.get(`/api/v1/products/${product.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: product.id,
      price: 12_500,
      stock: 0,
      soldOut: true,
      rating: { average: null, count: 0 },
      shop: { id: shop.id, name: shop.name, slug: shop.slug, whatsapp: '+6285711112222', city: 'Malang', logoUrl: null },
    });
    expect((await app.http.get('/api/v1/products/0123456789abcdef01234567')).status).toBe(404);
    expect((await app.http.get('/api/v1/products/abc')).status).toBe(400);
  });

  it('lists only active products to the public, all to the owner, with search and stable pages', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const made = [];
    for (let i = 0; i < 4; i += 1) made.push(await buildProduct(app, owner, shop.id, { name: `Keripik ${i}`, category: i < 2 ? 'Camilan' : 'Minuman' }));
    const hidden = await buildProduct(app, owner, shop.id, { name: 'Keripik lama', active: false });
    const url = `/api/v1/shops/${shop.id}/products`;

    const publicList = await app.http.get(`${url}?limit=3`);
    expect(publicList.status).toBe(200);
    expect(publicList.body.data.map((p: { id: string }) => p.id)).toEqual([made[3]!.id, made[2]!.id, made[1]!.id]);
    const next = await app.http.get(`${url}?limit=3&cursor=${publicList.body.page.next}`);
    expect(next.body.data.map((p: { id: string }) => p.id)).toEqual([made[0]!.id]);
    expect(next.body.page.next).toBeNull();

    const ownerList = await app.http.get(url).set(owner.auth);
    expect(ownerList.body.data.map((p: { id: string }) => p.id)).toContain(hidden.id);
    const snacks = await app.http.get(`${url}?category=camilan&q=keripik`);
    expect(snacks.body.data.map((p: { id: string }) => p.id)).toEqual([made[1]!.id, made[0]!.id]);
    const q = await app.http.get(`${url}?q=${encodeURIComponent('ripik 2')}`);
    expect(q.body.data.map((p: { id: string }) => p.id)).toEqual([made[2]!.id]);
    expect((await app.http.get(`/api/v1/products/${hidden.id}`)).status).toBe(404);
    expect((await app.http.get(`/api/v1/products/${hidden.id}`).set(owner.auth)).status).toBe(200);
  });
});

describe('the platform-wide catalog', () => {
  it('searches active products of active shops by name, category and city, with the shop attached', async () => {
    const owner = await buildOwner(app);
    const tag = `Qx${Date.now().toString(36)}`;
    const malang = await buildShop(app, owner, { city: 'Malang' });
    const batu = await buildShop(app, owner, { city: 'Batu' });
    const closed = await buildShop(app, owner, { city: 'Malang' });
    const a = await buildProduct(app, owner, malang.id, { name: `${tag} Kopi Dampit`, category: 'Minuman' });
    const b = await buildProduct(app, owner, batu.id, { name: `${tag} Kopi Apel`, category: 'Minuman' });
    await buildProduct(app, owner, malang.id, { name: `${tag} Kopi lama`, active: false });
    await buildProduct(app, owner, closed.id, { name: `${tag} Kopi tutup` });
    await app.http.patch(`/api/v1/shops/${closed.id}`).set(owner.auth).send({ active: false }).expect(200);

    const all = await app.http.get(`/api/v1/products?q=${tag}%20kopi`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((p: { id: string }) => p.id)).toEqual([b.id, a.id]);
    expect(all.body.data[0].shop).toMatchObject({ id: batu.id, slug: batu.slug, whatsapp: '+6281234567890' });
    const inMalang = await app.http.get(`/api/v1/products?q=${tag}&city=MALANG`);
    expect(inMalang.body.data.map((p: { id: string }) => p.id)).toEqual([a.id]);
    const page1 = await app.http.get(`/api/v1/products?q=${tag}&category=minuman&limit=1`);
    expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual([b.id]);
    const page2 = await app.http.get(`/api/v1/products?q=${tag}&category=minuman&limit=1&cursor=${page1.body.page.next}`);
    expect(page2.body.data.map((p: { id: string }) => p.id)).toEqual([a.id]);
  });
});

describe('editing and withdrawing products', () => {
  it('lets only the shop’s owner edit; another owner 403, reseller 403, anonymous 401', async () => {
    const [owner, other, reseller] = await Promise.all([buildOwner(app), buildOwner(app), buildReseller(app)]);
    const shop = await buildShop(app, owner);
    const product = await buildProduct(app, owner, shop.id, {
      commission: { type: 'percent', bySegment: { buzzer: 800, influencer: 1500, follower: 1000 } },
      marketplace: { shopee: 'https://shopee.co.id/a' },
    });
    const url = `/api/v1/products/${product.id}`;
    expect((await app.http.patch(url).set(other.auth).send({ price: 1 })).status).toBe(403);
    expect((await app.http.patch(url).set(reseller.auth).send({ price: 1 })).status).toBe(403);
    expect((await app.http.patch(url).send({ price: 1 })).status).toBe(401);
    expect((await app.http.delete(url).set(other.auth)).status).toBe(403);

    const ok = await app.http
      .patch(url)
      .set(owner.auth)
      .send({ price: 30_000, stock: 0, commission: null, marketplace: { lazada: 'https://www.lazada.co.id/products/x.html' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ price: 30_000, stock: 0, soldOut: true, commission: null, marketplace: { lazada: 'https://www.lazada.co.id/products/x.html' } });
    expect(ok.body.data.marketplace).not.toHaveProperty('shopee');
    expect((await app.http.get(url)).body.data.price).toBe(30_000);

    const bad = await app.http.patch(url).set(owner.auth).send({ stock: -3 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.stock');
    const foreignPhoto = await app.http.patch(url).set(owner.auth).send({ photoIds: ['0123456789abcdef01234567'] });
    expect(foreignPhoto.status).toBe(400);
    expect(foreignPhoto.body.error.details[0].path).toBe('body.photoIds');
  });

  it('withdraws a product softly: hidden from buyers, still there for its owner', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const product = await buildProduct(app, owner, shop.id);
    const res = await app.http.delete(`/api/v1/products/${product.id}`).set(owner.auth);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: product.id, active: false });
    expect((await app.http.get(`/api/v1/products/${product.id}`)).status).toBe(404);
    const mine = await app.http.get(`/api/v1/products/${product.id}`).set(owner.auth);
    expect(mine.body.data.active).toBe(false);
    const back = await app.http.patch(`/api/v1/products/${product.id}`).set(owner.auth).send({ active: true });
    expect(back.body.data.active).toBe(true);
  });
});
