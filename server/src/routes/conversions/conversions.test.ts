import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, buyer, earnings, type SalesShop } from '../../../test/sales';
import { signConversion } from '../../commands/conversions/conversionSecrets';
import { OrderModel } from '../../models/Order';
import { ConversionSecretModel } from '../../models/ConversionSecret';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

async function shopWithSecret(stock = 100): Promise<{ s: SalesShop; secret: string }> {
  const s = await buildSalesShop(app, {}, { stock });
  const res = await app.http.post(`/api/v1/shops/${s.shop.id}/conversion-secret`).set(s.owner.auth);
  expect(res.status).toBe(201);
  return { s, secret: res.body.data.secret as string };
}

function send(raw: string, headers: Record<string, string>) {
  return app.http.post('/api/v1/conversions').set('Content-Type', 'application/json').set(headers).send(raw);
}

describe('POST /conversions', () => {
  it('a signed conversion with a code becomes an attributed order; the secret is stored encrypted', async () => {
    const { s, secret } = await shopWithSecret();
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 2, buyer: buyer(), ref: seller.code, externalId: 'WEB-1' });
    const res = await send(raw, { 'X-Tular-Signature': signConversion(raw, secret), 'Idempotency-Key': 'web-order-1' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ source: 'conversion', total: 50_000, attribution: { resellerId: seller.user.id, via: 'code' } });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    const stored = await ConversionSecretModel.findById(s.shop.id).lean();
    expect(stored!.ciphertext).not.toContain(secret);
  });

  it('missing, bad and stale signatures are 401 with a clear code', async () => {
    const { s, secret } = await shopWithSecret();
    const raw = JSON.stringify({ productId: s.product.id, quantity: 1, buyer: buyer() });
    const key = { 'Idempotency-Key': 'k-sig' };
    const missing = await send(raw, key);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('SIGNATURE_MISSING');
    const wrongSecret = await send(raw, { ...key, 'X-Tular-Signature': signConversion(raw, 'tsec_not-the-secret') });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error.code).toBe('SIGNATURE_INVALID');
    // Signed body, then tampered with (quantity 1 → 9).
    const tampered = await send(raw.replace('"quantity":1', '"quantity":9'), { ...key, 'X-Tular-Signature': signConversion(raw, secret) });
    expect(tampered.body.error.code).toBe('SIGNATURE_INVALID');
    const malformed = await send(raw, { ...key, 'X-Tular-Signature': 'sha256=abc' });
    expect(malformed.body.error.code).toBe('SIGNATURE_INVALID');
    const stale = await send(raw, { ...key, 'X-Tular-Signature': signConversion(raw, secret, Math.floor(Date.now() / 1000) - 301) });
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('SIGNATURE_STALE');
    // A rotated secret replaces the old one at once.
    await app.http.post(`/api/v1/shops/${s.shop.id}/conversion-secret`).set(s.owner.auth);
    const oldSecret = await send(raw, { ...key, 'X-Tular-Signature': signConversion(raw, secret) });
    expect(oldSecret.body.error.code).toBe('SIGNATURE_INVALID');
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(0);
  });

  it('requires an Idempotency-Key', async () => {
    const { s, secret } = await shopWithSecret();
    const raw = JSON.stringify({ productId: s.product.id, quantity: 1, buyer: buyer() });
    const res = await send(raw, { 'X-Tular-Signature': signConversion(raw, secret) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_MISSING');
  });

  it('10 identical concurrent conversions create one order and all get the first answer', async () => {
    const { s, secret } = await shopWithSecret(50);
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 3, buyer: buyer(), ref: seller.code });
    const headers = { 'X-Tular-Signature': signConversion(raw, secret), 'Idempotency-Key': 'same-key' };
    const results = await Promise.all(Array.from({ length: 10 }, () => send(raw, headers)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(results.map((r) => r.body.data.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect((await app.http.get(`/api/v1/products/${s.product.id}`)).body.data.stock).toBe(47);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 5_250 });
    // Later, the same key with a different body is refused.
    const other = JSON.stringify({ productId: s.product.id, quantity: 4, buyer: buyer() });
    const reuse = await send(other, { 'X-Tular-Signature': signConversion(other, secret), 'Idempotency-Key': 'same-key' });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a refused conversion (out of stock) is the stored answer for its key', async () => {
    const { s, secret } = await shopWithSecret(1);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 2, buyer: buyer() });
    const headers = { 'X-Tular-Signature': signConversion(raw, secret), 'Idempotency-Key': 'too-many' };
    const first = await send(raw, headers);
    expect(first.status).toBe(409);
    expect(first.body.error).toMatchObject({ code: 'STOCK_EXHAUSTED', details: { remaining: 1 } });
    const replay = await send(raw, headers);
    expect(replay.status).toBe(409);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('only the shop’s owner rotates the secret', async () => {
    const { s } = await shopWithSecret();
    const other = await buildSalesShop(app);
    expect((await app.http.post(`/api/v1/shops/${s.shop.id}/conversion-secret`).set(other.owner.auth)).status).toBe(403);
  });
});
