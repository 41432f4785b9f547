import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop } from '../../../test/factories';
import { MAX_PRODUCT_PHOTOS } from '@tular/shared';

useTestDatabase();
const app = buildTestApp();

// A real 1×1 PNG, and the signatures of JPEG and WebP followed by filler.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7), Buffer.from([0xff, 0xd9])]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(40, 1)]);

async function setup() {
  const owner = await buildOwner(app);
  const shop = await buildShop(app, owner);
  const product = await buildProduct(app, owner, shop.id);
  return { owner, shop, product };
}

describe('photo uploads', () => {
  it('stores a product photo in GridFS and serves it back byte for byte with long-lived caching', async () => {
    const { owner, product } = await setup();
    const up = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/png').send(PNG);
    expect(up.status).toBe(201);
    expect(up.body.data.photos).toHaveLength(1);
    const url: string = up.body.data.photos[0].url;
    expect(url).toBe(`/api/v1/files/${up.body.data.photos[0].id}`);

    const file = await app.http.get(url).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(file.headers.etag).toBe(`"${up.body.data.photos[0].id}"`);
    expect(Buffer.compare(file.body as Buffer, PNG)).toBe(0);

    const again = await app.http.get(url).set('If-None-Match', file.headers.etag!);
    expect(again.status).toBe(304);
    // The public product page lists the same photo.
    expect((await app.http.get(`/api/v1/products/${product.id}`)).body.data.photos[0].url).toBe(url);
  });

  it('decides the type by content, not by the header: a JPEG sent as octet-stream is a JPEG', async () => {
    const { owner, product } = await setup();
    const up = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'application/octet-stream').send(JPEG);
    expect(up.status).toBe(201);
    const file = await app.http.get(up.body.data.photos[0].url);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(Number(file.headers['content-length'])).toBe(JPEG.length);
  });

  it('refuses non-images with 400 UNSUPPORTED_IMAGE naming the field, even when the header claims image/png', async () => {
    const { owner, product } = await setup();
    const text = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/png').send(Buffer.from('<svg onload="alert(1)"></svg>'));
    expect(text.status).toBe(400);
    expect(text.body.error.code).toBe('UNSUPPORTED_IMAGE');
    expect(text.body.error.details[0]).toMatchObject({ path: 'body', message: expect.stringContaining('JPEG, PNG or WebP') });
    const gif = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/gif').send(Buffer.from('GIF89a\x01\x00\x01\x00'));
    expect(gif.body.error.code).toBe('UNSUPPORTED_IMAGE');
    const json = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).send({ url: 'https://example.com/a.png' });
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('UNSUPPORTED_IMAGE');
    const empty = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/png');
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('UNSUPPORTED_IMAGE');
    expect((await app.http.get(`/api/v1/products/${product.id}`)).body.data.photos).toEqual([]);
  });

  it('refuses photos over 2 MB with 413 and a clear message', async () => {
    const { owner, product } = await setup();
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
    const res = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/png').send(big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('IMAGE_TOO_LARGE');
    expect(res.body.error.message).toContain('2 MB');
  });

  it('accepts a photo of almost 2 MB (stored in several GridFS chunks)', async () => {
    const { owner, product } = await setup();
    const large = Buffer.concat([JPEG, Buffer.alloc(2 * 1024 * 1024 - JPEG.length - 10, 3)]);
    const up = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/jpeg').send(large);
    expect(up.status).toBe(201);
    const file = await app.http.get(up.body.data.photos[0].url).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(Buffer.compare(file.body as Buffer, large)).toBe(0);
  });

  it('only lets the shop’s owner upload: another owner 403, reseller 403, anonymous 401', async () => {
    const { shop, product } = await setup();
    const [other, reseller] = await Promise.all([buildOwner(app), buildReseller(app)]);
    for (const [who, status] of [[other.auth, 403], [reseller.auth, 403], [{}, 401]] as const) {
      expect((await app.http.post(`/api/v1/products/${product.id}/photos`).set(who).set('Content-Type', 'image/png').send(PNG)).status).toBe(status);
      expect((await app.http.post(`/api/v1/shops/${shop.id}/logo`).set(who).set('Content-Type', 'image/png').send(PNG)).status).toBe(status);
    }
  });

  it('caps photos per product even when uploads race, and lets the owner reorder and drop them', async () => {
    const { owner, product } = await setup();
    const results = await Promise.all(
      Array.from({ length: MAX_PRODUCT_PHOTOS + 3 }, () =>
        app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/webp').send(WEBP),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX_PRODUCT_PHOTOS);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(['TOO_MANY_PHOTOS', 'TOO_MANY_PHOTOS', 'TOO_MANY_PHOTOS']);
    const ids: string[] = (await app.http.get(`/api/v1/products/${product.id}`)).body.data.photos.map((p: { id: string }) => p.id);
    expect(ids).toHaveLength(MAX_PRODUCT_PHOTOS);

    const keep = [ids[2]!, ids[0]!];
    const edited = await app.http.patch(`/api/v1/products/${product.id}`).set(owner.auth).send({ photoIds: keep });
    expect(edited.status).toBe(200);
    expect(edited.body.data.photos.map((p: { id: string }) => p.id)).toEqual(keep);
    // Dropped photos are deleted from storage.
    expect((await app.http.get(`/api/v1/files/${ids[1]}`)).status).toBe(404);
    expect((await app.http.get(`/api/v1/files/${ids[2]}`)).status).toBe(200);
  });

  it('adds creative-kit photos and a shop logo (replacing the old logo file)', async () => {
    const { owner, shop, product } = await setup();
    const kit = await app.http.post(`/api/v1/products/${product.id}/kit-photos`).set(owner.auth).set('Content-Type', 'image/png').send(PNG);
    expect(kit.status).toBe(201);
    expect(kit.body.data.creativeKit.photos).toHaveLength(1);
    expect(kit.body.data.photos).toHaveLength(0);

    const first = await app.http.post(`/api/v1/shops/${shop.id}/logo`).set(owner.auth).set('Content-Type', 'image/png').send(PNG);
    expect(first.status).toBe(200);
    expect(first.body.data.logoUrl).toMatch(/^\/api\/v1\/files\/[a-f0-9]{24}$/);
    const second = await app.http.post(`/api/v1/shops/${shop.id}/logo`).set(owner.auth).set('Content-Type', 'image/jpeg').send(JPEG);
    expect(second.body.data.logoUrl).not.toBe(first.body.data.logoUrl);
    expect((await app.http.get(first.body.data.logoUrl)).status).toBe(404);
    expect((await app.http.get(second.body.data.logoUrl)).headers['content-type']).toBe('image/jpeg');
    expect((await app.http.get(`/api/v1/products/${product.id}`)).body.data.shop.logoUrl).toBe(second.body.data.logoUrl);
  });

  it('answers unknown or malformed file ids with 404/400', async () => {
    expect((await app.http.get('/api/v1/files/0123456789abcdef01234567')).status).toBe(404);
    expect((await app.http.get('/api/v1/files/..%2F..%2Fetc')).status).toBe(400);
  });
});
