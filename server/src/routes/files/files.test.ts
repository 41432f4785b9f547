import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop } from '../../../test/factories';
import { MAX_PRODUCT_PHOTOS } from '@tular/shared';

useTestDatabase();
const app = buildTestApp();

// Real images: a 1×1 PNG, a 16×16 JPEG and a 16×16 WebP with alpha (VP8X) from CPython's image test data, a 1×1 lossy WebP.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z',
  'base64',
);
const WEBP = Buffer.from('UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA', 'base64');
const WEBP_ALPHA = Buffer.from(
  'UklGRqgBAABXRUJQVlA4WAoAAAAQAAAADwAADwAAQUxQSMMAAAABJ6KokSTleucYX+ffKpmImP90cY3gJjDi4Yt3MsjBEVyDKzDosHgVjnhRNcEIDAJPkqBqsFUZHNa2bUYvTsZ2PLbtd/uvKa4hov9J0f2PkPe6REkkGzolkTTzFG0Ox9PlFiD0CxS+kOGDtxoynjaCfx0pfk52CPuInrOR75lzRugygtv4zEiy90UwfSD9NheMITJWLaXWayO8XeOlWRXVnIGk2W6WdYoYMQ+KqixQNPowgt+6a1BSKbUtz+lUFAoBAAAAVlA4IL4AAACQAgCdASoQABAAAwA0JbACdDBPCIUMfAMdCCz96AD+/XSg/QKbH4r3Q3ycN/bSDK/T/zVo4u6nvclvG/SqxWOuup+XhN9BojvaW+Tv+MvxvX/hr/o/5Qns9LtmX/+qKdl/yWznhuasl7nkxvSTI4xf3Y85VSB/lU/8Ofj/b9JrA+ifvIOYZm2x1RP/dhfmsf5diuSfR7+z+r/+HR3zEo/+XM/B+vkYw73Pzx+ROaAB/ZoBSzEs3rzZe6qsAAAA',
  'base64',
);

/** The JPEG grown to about `size` bytes with comment segments (≤ 64 KB each) — still a well-formed JPEG. */
function bigJpeg(size: number): Buffer {
  const parts: Buffer[] = [JPEG.subarray(0, 2)];
  let total = JPEG.length;
  while (total + 4 < size) {
    const body = Math.min(65_533, size - total - 4);
    const head = Buffer.from([0xff, 0xfe, 0, 0]);
    head.writeUInt16BE(body + 2, 2);
    parts.push(head, Buffer.alloc(body, 0x41));
    total += body + 4;
  }
  parts.push(JPEG.subarray(2));
  return Buffer.concat(parts);
}

const withCrcBroken = (png: Buffer): Buffer => {
  const copy = Buffer.from(png);
  copy[copy.length - 5] = copy[copy.length - 5]! ^ 0xff; // inside the IEND CRC
  return copy;
};
const webpWithSize = (webp: Buffer, riffSize: number): Buffer => {
  const copy = Buffer.from(webp);
  copy.writeUInt32LE(riffSize, 4);
  return copy;
};

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

  it('accepts real PNG, JPEG and WebP (lossy, and extended with alpha) files', async () => {
    const { owner, product } = await setup();
    for (const [bytes, type] of [[PNG, 'image/png'], [JPEG, 'image/jpeg'], [WEBP, 'image/webp'], [WEBP_ALPHA, 'image/webp']] as const) {
      const up = await app.http.post(`/api/v1/products/${product.id}/kit-photos`).set(owner.auth).set('Content-Type', 'application/octet-stream').send(bytes);
      expect({ type, status: up.status }).toEqual({ type, status: 201 });
    }
  });

  it.each([
    ['a JPEG header followed by junk', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7), Buffer.from([0xff, 0xd9])])],
    ['a JPEG cut off halfway', JPEG.subarray(0, 300)],
    ['a JPEG with junk after its end marker', Buffer.concat([JPEG, Buffer.from('<script>alert(1)</script>')])],
    ['a JPEG with no frame header', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0]), Buffer.alloc(20, 1), Buffer.from([0xff, 0xd9])])],
    ['a PNG signature followed by junk', Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(64, 1)])],
    ['a PNG cut off before IEND', PNG.subarray(0, PNG.length - 12)],
    ['a PNG with a damaged chunk (CRC)', withCrcBroken(PNG)],
    ['a PNG with bytes after IEND', Buffer.concat([PNG, Buffer.from('PK\x03\x04zip-payload')])],
    ['a WebP header followed by junk', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(40, 1)])],
    ['a WebP whose RIFF size is larger than the file (truncated)', webpWithSize(WEBP, WEBP.length)],
    ['a WebP with bytes appended past its RIFF size', Buffer.concat([WEBP, Buffer.alloc(16, 9)])],
  ])('refuses %s with 400 UNSUPPORTED_IMAGE naming the field, and stores nothing', async (_name, bytes) => {
    const { owner, product } = await setup();
    const res = await app.http.post(`/api/v1/products/${product.id}/photos`).set(owner.auth).set('Content-Type', 'image/jpeg').send(bytes);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('UNSUPPORTED_IMAGE');
    expect(res.body.error.details[0]).toMatchObject({ path: 'body', message: expect.stringContaining('complete JPEG, PNG or WebP') });
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
    const large = bigJpeg(2 * 1024 * 1024 - 10);
    expect(large.length).toBeGreaterThan(2 * 1024 * 1024 - 64);
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
