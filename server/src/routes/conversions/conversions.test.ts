import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, buyer, earnings, type SalesShop } from '../../../test/sales';
import { signConversion } from '../../commands/conversions/conversionSecrets';
import { OrderModel } from '../../models/Order';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { ConversionSecretModel } from '../../models/ConversionSecret';
import { failNextInsert } from '../../../test/interceptedWrites';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});
afterEach(() => jest.restoreAllMocks());

async function shopWithSecret(stock = 100): Promise<{ s: SalesShop; secret: string }> {
  const s = await buildSalesShop(app, {}, { stock });
  const res = await app.http.post(`/api/v1/shops/${s.shop.id}/conversion-secret`).set(s.owner.auth);
  expect(res.status).toBe(201);
  return { s, secret: res.body.data.secret as string };
}

function send(raw: string, headers: Record<string, string>) {
  return app.http.post('/api/v1/conversions').set('Content-Type', 'application/json').set(headers).send(raw);
}

/** Headers an integrator sends: the key and a signature over "<t>\n<key>\n<body>". */
function signed(raw: string, key: string, secret: string, t?: number): Record<string, string> {
  return { 'Idempotency-Key': key, 'X-Tular-Signature': signConversion(raw, key, secret, t) };
}

const stockOf = async (app: TestApp, productId: string): Promise<number> => (await app.http.get(`/api/v1/products/${productId}`)).body.data.stock as number;

describe('POST /conversions', () => {
  it('a signed conversion with a code becomes an attributed order; the secret is stored encrypted', async () => {
    const { s, secret } = await shopWithSecret();
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 2, buyer: buyer(), ref: seller.code, externalId: 'WEB-1' });
    const res = await send(raw, signed(raw, 'web-order-1', secret));
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ source: 'conversion', total: 50_000, attribution: { resellerId: seller.user.id, via: 'code' } });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    const stored = await ConversionSecretModel.findById(s.shop.id).lean();
    expect(stored!.ciphertext).not.toContain(secret);
  });

  it('missing, malformed, outdated, wrong, stale and future-dated signatures are 401s with distinct codes', async () => {
    const { s, secret } = await shopWithSecret();
    const raw = JSON.stringify({ productId: s.product.id, quantity: 1, buyer: buyer() });
    const key = 'k-sig';
    const now = Math.floor(Date.now() / 1000);
    const code = async (headers: Record<string, string>, body = raw): Promise<[number, string]> => {
      const res = await send(body, headers);
      return [res.status, res.body.error?.code as string];
    };
    expect(await code({ 'Idempotency-Key': key })).toEqual([401, 'SIGNATURE_MISSING']);
    expect(await code({ 'Idempotency-Key': key, 'X-Tular-Signature': 'sha256=abc' })).toEqual([401, 'SIGNATURE_MALFORMED']);
    // The old scheme (v1 over "<t>.<body>") did not cover the key: refused with a code that says so.
    expect(await code({ 'Idempotency-Key': key, 'X-Tular-Signature': `t=${now},v1=${'a'.repeat(64)}` })).toEqual([401, 'SIGNATURE_OUTDATED']);
    expect(await code(signed(raw, key, 'tsec_not-the-secret'))).toEqual([401, 'SIGNATURE_INVALID']);
    // Signed body, then tampered with (quantity 1 → 9).
    expect(await code(signed(raw, key, secret), raw.replace('"quantity":1', '"quantity":9'))).toEqual([401, 'SIGNATURE_INVALID']);
    expect(await code(signed(raw, key, secret, now - 301))).toEqual([401, 'SIGNATURE_STALE']);
    expect(await code(signed(raw, key, secret, now + 120))).toEqual([401, 'SIGNATURE_FROM_FUTURE']);
    // A rotated secret replaces the old one at once.
    await app.http.post(`/api/v1/shops/${s.shop.id}/conversion-secret`).set(s.owner.auth);
    expect(await code(signed(raw, key, secret))).toEqual([401, 'SIGNATURE_INVALID']);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(0);
  });

  it('a captured request replayed under a new Idempotency-Key is refused: the key is part of the signature', async () => {
    const { s, secret } = await shopWithSecret(10);
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 1, buyer: buyer(), ref: seller.code });
    const captured = signed(raw, 'order-77', secret);
    expect((await send(raw, captured)).status).toBe(201);
    const replay = await send(raw, { ...captured, 'Idempotency-Key': 'order-77-again' });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('SIGNATURE_INVALID');
    // The exact copy only gets the first answer back.
    const copy = await send(raw, captured);
    expect(copy.status).toBe(201);
    expect(copy.headers['idempotent-replayed']).toBe('true');
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 1_750 });
  });

  it('a shop without a secret gets a clear 401; an unknown product is a 404', async () => {
    const s = await buildSalesShop(app);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 1, buyer: buyer() });
    const res = await send(raw, signed(raw, 'k1', 'tsec_guess'));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('CONVERSION_SECRET_NOT_SET');
    expect(res.body.error.message).toMatch(/conversion-secret/);
    const unknown = JSON.stringify({ productId: '0123456789abcdef01234567', quantity: 1, buyer: buyer() });
    const missing = await send(unknown, signed(unknown, 'k1', 'tsec_guess'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PRODUCT_NOT_FOUND');
  });

  it('requires an Idempotency-Key', async () => {
    const { s, secret } = await shopWithSecret();
    const raw = JSON.stringify({ productId: s.product.id, quantity: 1, buyer: buyer() });
    const res = await send(raw, { 'X-Tular-Signature': signConversion(raw, '', secret) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_MISSING');
  });

  it('10 identical concurrent conversions create one order and all get the first answer', async () => {
    const { s, secret } = await shopWithSecret(50);
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 3, buyer: buyer(), ref: seller.code });
    const headers = signed(raw, 'same-key', secret);
    const results = await Promise.all(Array.from({ length: 10 }, () => send(raw, headers)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(results.map((r) => r.body.data.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(await stockOf(app, s.product.id)).toBe(47);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 5_250 });
    // Later, the same key with a different body is refused.
    const other = JSON.stringify({ productId: s.product.id, quantity: 4, buyer: buyer() });
    const reuse = await send(other, signed(other, 'same-key', secret));
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('the same shop order (externalId) sent 10 times at once under different keys is one order', async () => {
    const { s, secret } = await shopWithSecret(50);
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 2, buyer: buyer(), ref: seller.code, externalId: 'INV-2026-0042' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(raw, signed(raw, `retry-${i}`, secret))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(await stockOf(app, s.product.id)).toBe(48);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
  });

  it('a crash while booking the commission is healed by the retry: one order, its commission booked once', async () => {
    const { s, secret } = await shopWithSecret(10);
    const seller = await buildSeller(app, s);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 2, buyer: buyer(), ref: seller.code });
    const headers = signed(raw, 'crash-once', secret);
    // The ledger write fails once, after the order was stored.
    failNextInsert(LedgerEntryModel);
    const first = await send(raw, headers);
    expect(first.status).toBe(500);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    const retry = await send(raw, headers);
    expect(retry.status).toBe(200);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(retry.body.data.id).toBe(String((await OrderModel.findOne({ shopId: s.shop.id }))!._id));
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    expect(await LedgerEntryModel.countDocuments({ orderId: retry.body.data.id })).toBe(1);
    expect(await stockOf(app, s.product.id)).toBe(8);
  });

  it('a refused conversion (out of stock) is the stored answer for its key', async () => {
    const { s, secret } = await shopWithSecret(1);
    const raw = JSON.stringify({ productId: s.product.id, quantity: 2, buyer: buyer() });
    const headers = signed(raw, 'too-many', secret);
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
