import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop } from '../../../test/factories';
import QRCode from 'qrcode';
import { LinkModel } from '../../models/Link';

useTestDatabase();
const app = buildTestApp({ publicUrl: 'https://tular.test' });
afterAll(() => app.redirect.close());

async function memberWithProduct(opts: { joinPolicy?: 'open' | 'approval'; approve?: boolean; product?: Record<string, unknown> } = {}) {
  const owner = await buildOwner(app);
  const shop = await buildShop(app, owner, { joinPolicy: opts.joinPolicy ?? 'open' });
  const product = await buildProduct(app, owner, shop.id, opts.product ?? {});
  const reseller = await buildReseller(app);
  const membership = await joinShop(app, reseller, shop.id, opts.approve === false ? undefined : owner);
  return { owner, shop, product, reseller, membership };
}

describe('POST /links', () => {
  it('makes a link with short URL, share URLs and QR URLs; asking again returns the same link', async () => {
    const { product, reseller, shop } = await memberWithProduct({
      product: { name: 'Sambal Roa', price: 35_000, creativeKit: { captions: [{ lang: 'id', text: 'Sambal roa asli Manado, pedasnya nagih!' }] } },
    });
    const first = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, channel: 'whatsapp' });
    expect(first.status).toBe(201);
    const link = first.body.data;
    expect(link.code).toMatch(/^[2-9a-hjkmnp-zA-HJ-NP-Z]{8}$/);
    expect(link).toMatchObject({ url: `https://tular.test/r/${link.code}`, productId: product.id, shopId: shop.id, channel: 'whatsapp', destination: 'page', active: true });
    expect(decodeURIComponent(link.shareUrls.whatsapp)).toBe(`https://wa.me/?text=Sambal roa asli Manado, pedasnya nagih!\n${link.url}`);
    expect(link.shareUrls.facebook).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(link.url)}`);
    expect(link.shareUrls.x).toContain(encodeURIComponent(link.url));
    expect(link.shareUrls.telegram).toContain('https://t.me/share/url?url=');
    expect(link.qr).toEqual({
      png: `https://tular.test/api/v1/links/${link.code}/qr?format=png`,
      svg: `https://tular.test/api/v1/links/${link.code}/qr?format=svg`,
    });

    const again = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, channel: 'whatsapp' });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(link.id);
    const otherChannel = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, channel: 'instagram' });
    expect(otherChannel.status).toBe(201);
    expect(otherChannel.body.data.code).not.toBe(link.code);
  });

  it('gives concurrent identical requests one link', async () => {
    const { product, reseller } = await memberWithProduct();
    const results = await Promise.all(Array.from({ length: 8 }, () => app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id })));
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.data.code)).size).toBe(1);
    expect(await LinkModel.countDocuments({ productId: product.id })).toBe(1);
  });

  it('uses a default Indonesian caption with the name and formatted price when the kit has none', async () => {
    const { product, reseller } = await memberWithProduct({ product: { name: 'Keripik Tempe', price: 1_250_000 } });
    const res = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id });
    expect(decodeURIComponent(res.body.data.shareUrls.whatsapp)).toContain('Keripik Tempe, cuma Rp 1.250.000');
  });

  it('makes whole-shop links and marketplace links only where the product is listed', async () => {
    const { product, reseller, shop } = await memberWithProduct({ product: { marketplace: { shopee: 'https://shopee.co.id/keripik-tempe' } } });
    const shopLink = await app.http.post('/api/v1/links').set(reseller.auth).send({ shopId: shop.id });
    expect(shopLink.status).toBe(201);
    expect(shopLink.body.data.productId).toBeNull();
    const shopee = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, destination: 'shopee' });
    expect(shopee.status).toBe(201);
    expect(shopee.body.data.destination).toBe('shopee');
    const lazada = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, destination: 'lazada' });
    expect(lazada.status).toBe(400);
    expect(lazada.body.error.details[0].path).toBe('body.destination');
  });

  it('refuses non-members, pending and blocked members with distinct codes', async () => {
    const { product, owner, shop } = await memberWithProduct({ joinPolicy: 'approval' });
    const stranger = await buildReseller(app);
    const notMember = await app.http.post('/api/v1/links').set(stranger.auth).send({ productId: product.id });
    expect(notMember.status).toBe(403);
    expect(notMember.body.error.code).toBe('NOT_A_MEMBER');

    const pendingReseller = await buildReseller(app);
    const pending = await joinShop(app, pendingReseller, shop.id);
    expect(pending.status).toBe('pending');
    const whilePending = await app.http.post('/api/v1/links').set(pendingReseller.auth).send({ productId: product.id });
    expect(whilePending.status).toBe(403);
    expect(whilePending.body.error.code).toBe('MEMBERSHIP_PENDING');

    await app.http.patch(`/api/v1/memberships/${pending.id}`).set(owner.auth).send({ status: 'blocked' }).expect(200);
    const whileBlocked = await app.http.post('/api/v1/links').set(pendingReseller.auth).send({ productId: product.id });
    expect(whileBlocked.status).toBe(403);
    expect(whileBlocked.body.error.code).toBe('MEMBERSHIP_BLOCKED');

    const asOwner = await app.http.post('/api/v1/links').set(owner.auth).send({ productId: product.id });
    expect(asOwner.status).toBe(403);
  });

  it('validates input: unknown keys, bad ids, unknown channel, nothing to link', async () => {
    const { reseller, product } = await memberWithProduct();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ productId: product.id, extra: 1 }, 'body.extra'],
      [{ productId: 'nope' }, 'body.productId'],
      [{ productId: product.id, channel: 'myspace' }, 'body.channel'],
      [{}, 'body.productId'],
      [{ productId: { $gt: '' } }, 'body.productId.$gt'],
    ];
    for (const [body, path] of cases) {
      const res = await app.http.post('/api/v1/links').set(reseller.auth).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const missing = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: '0123456789abcdef01234567' });
    expect(missing.status).toBe(404);
    expect((await app.http.post('/api/v1/links').send({ productId: product.id })).status).toBe(401);
  });
});

describe('GET /links, QR, PATCH /links/:id', () => {
  it('lists only my links, newest first, with a cursor', async () => {
    const { reseller, shop, owner } = await memberWithProduct();
    const products = [await buildProduct(app, owner, shop.id, { name: 'A' }), await buildProduct(app, owner, shop.id, { name: 'B' }), await buildProduct(app, owner, shop.id, { name: 'C' })];
    const codes: string[] = [];
    for (const p of products) codes.push((await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: p.id })).body.data.code);
    const other = await memberWithProduct();
    await app.http.post('/api/v1/links').set(other.reseller.auth).send({ productId: other.product.id }).expect(201);

    const first = await app.http.get('/api/v1/links?limit=2').set(reseller.auth);
    expect(first.status).toBe(200);
    expect(first.body.data.map((l: { code: string }) => l.code)).toEqual([codes[2], codes[1]]);
    expect(first.body.page.next).toBeTruthy();
    const second = await app.http.get(`/api/v1/links?limit=2&cursor=${first.body.page.next}`).set(reseller.auth);
    expect(second.body.data.map((l: { code: string }) => l.code)).toEqual([codes[0]]);
    expect(second.body.page.next).toBeNull();
  });

  it('serves the QR code as PNG and SVG encoding the short URL with ?src=qr', async () => {
    const { reseller, product } = await memberWithProduct();
    const { code } = (await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id })).body.data;
    const png = await app.http.get(`/api/v1/links/${code}/qr?format=png`).buffer(true);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
    const svg = await app.http.get(`/api/v1/links/${code}/qr?format=svg`).buffer(true);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    // Same drawing as the expected text drawn independently: the QR holds the short URL with the QR marker.
    const expected = await QRCode.toString(`https://tular.test/r/${code}?src=qr`, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    expect(String(svg.text || (svg.body as Buffer).toString())).toBe(expected);
    expect((await app.http.get('/api/v1/links/zzzzzzzz/qr')).status).toBe(404);
    expect((await app.http.get(`/api/v1/links/${code}/qr?format=gif`)).status).toBe(400);
    expect((await app.http.get('/api/v1/links/0O0O0O0O/qr')).status).toBe(400);
  });

  it('lets the reseller or the shop owner switch a link off, and nobody else', async () => {
    const { reseller, product, owner } = await memberWithProduct();
    const link = (await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id })).body.data;
    const otherOwner = await buildOwner(app);
    const otherReseller = await buildReseller(app);
    expect((await app.http.patch(`/api/v1/links/${link.id}`).set(otherOwner.auth).send({ active: false })).status).toBe(403);
    expect((await app.http.patch(`/api/v1/links/${link.id}`).set(otherReseller.auth).send({ active: false })).status).toBe(403);
    const events: unknown[] = [];
    app.deps.bus.on('link', (e) => events.push(e));
    const off = await app.http.patch(`/api/v1/links/${link.id}`).set(owner.auth).send({ active: false });
    expect(off.status).toBe(200);
    expect(off.body.data.active).toBe(false);
    expect(events).toEqual([{ linkId: link.id, code: link.code, shopId: link.shopId, active: false }]);
    const on = await app.http.patch(`/api/v1/links/${link.id}`).set(reseller.auth).send({ active: true });
    expect(on.body.data.active).toBe(true);
    expect((await app.http.patch(`/api/v1/links/${link.id}`).set(reseller.auth).send({ active: 'yes' })).status).toBe(400);
  });
});
