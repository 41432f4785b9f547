import { AsyncLocalStorage } from 'node:async_hooks';
import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildReseller } from '../../../test/factories';
import { buildSalesShop, buildSeller, buyer, earnings } from '../../../test/sales';
import { OrderModel } from '../../models/Order';
import { ClaimModel } from '../../models/Claim';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { ProductModel } from '../../models/Product';
import * as writeLock from '../../db/writeLock';
import { beforeNextInsert, failNextInsert } from '../../../test/interceptedWrites';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});
afterEach(() => jest.restoreAllMocks());

const stockOf = async (productId: string): Promise<number> => (await ProductModel.findById(productId).lean())!.stock;

async function newClaim(seller: { auth: { Authorization: string } }, productId: string, quantity = 1): Promise<string> {
  const res = await app.http.post('/api/v1/claims').set(seller.auth).send({ productId, quantity, buyer: buyer() });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
}

/** MongoDB runs without the in-process claim lock (guarded updates are atomic there): emulate that. */
function withoutClaimLocks(): void {
  const real = writeLock.withWriteLock;
  jest.spyOn(writeLock, 'withWriteLock').mockImplementation(<T>(key: string, fn: () => Promise<T>): Promise<T> => (key.startsWith('claim:') ? fn() : real(key, fn)));
}

// A complete 1×1 PNG (the image check reads the chunks, so a bare header is refused).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('sale claims', () => {
  it('no commission until the owner confirms; confirming (even twice at once) makes one attributed order', async () => {
    const s = await buildSalesShop(app, {}, { stock: 10 });
    const seller = await buildSeller(app, s);
    const res = await app.http.post('/api/v1/claims').set(seller.auth).send({ productId: s.product.id, quantity: 2, buyer: buyer(), note: 'via WA' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'pending', orderId: null, quantity: 2 });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });

    const receipt = await app.http.post(`/api/v1/claims/${res.body.data.id}/receipt`).set(seller.auth).set('Content-Type', 'image/png').send(PNG);
    expect(receipt.status).toBe(201);
    expect(receipt.body.data.receiptFileId).toEqual(expect.any(String));
    const photo = await app.http.get(`/api/v1/claims/${res.body.data.id}/receipt`).set(s.owner.auth);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/png');
    const stranger = await buildReseller(app);
    expect((await app.http.get(`/api/v1/claims/${res.body.data.id}/receipt`).set(stranger.auth)).status).toBe(404);

    const decisions = await Promise.all([0, 1].map(() => app.http.patch(`/api/v1/claims/${res.body.data.id}`).set(s.owner.auth).send({ status: 'confirmed' })));
    expect(decisions.map((d) => d.status)).toEqual([200, 200]);
    expect(decisions[0]!.body.data.orderId).toEqual(decisions[1]!.body.data.orderId);
    const order = await OrderModel.findById(decisions[0]!.body.data.orderId).lean();
    expect(order).toMatchObject({ source: 'claim', quantity: 2, attribution: expect.objectContaining({ via: 'claim' }) });
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    const reject = await app.http.patch(`/api/v1/claims/${res.body.data.id}`).set(s.owner.auth).send({ status: 'rejected' });
    expect(reject.status).toBe(409);
  });

  it('rejected claims earn nothing; only approved members claim; only the owner decides; owners list by shop', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const claim = (await app.http.post('/api/v1/claims').set(seller.auth).send({ productId: s.product.id, quantity: 1, buyer: buyer() })).body.data;
    const other = await buildSalesShop(app);
    expect((await app.http.patch(`/api/v1/claims/${claim.id}`).set(other.owner.auth).send({ status: 'confirmed' })).status).toBe(403);
    const rejected = await app.http.patch(`/api/v1/claims/${claim.id}`).set(s.owner.auth).send({ status: 'rejected', reason: 'tidak ada transfer' });
    expect(rejected.body.data).toMatchObject({ status: 'rejected', reason: 'tidak ada transfer', orderId: null });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });
    const outsider = await buildReseller(app);
    expect((await app.http.post('/api/v1/claims').set(outsider.auth).send({ productId: s.product.id, quantity: 1, buyer: buyer() })).status).toBe(403);
    const list = await app.http.get(`/api/v1/claims?shopId=${s.shop.id}&status=rejected`).set(s.owner.auth);
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([claim.id]);
  });

  it('a crash after the order was stored is finished by confirming again: one order, its commission booked', async () => {
    const s = await buildSalesShop(app, {}, { stock: 10 });
    const seller = await buildSeller(app, s);
    const id = await newClaim(seller, s.product.id, 2);
    failNextInsert(LedgerEntryModel);
    const first = await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'confirmed' });
    expect(first.status).toBe(500);
    // The decision stands (a reject now is refused); only the order's booking is unfinished.
    expect((await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'rejected' })).status).toBe(409);
    const retry = await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'confirmed' });
    expect(retry.status).toBe(200);
    expect(retry.body.data).toMatchObject({ status: 'confirmed', orderId: expect.any(String) });
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(await LedgerEntryModel.countDocuments({ orderId: retry.body.data.orderId, kind: 'accrue' })).toBe(1);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    expect(await stockOf(s.product.id)).toBe(8);
  });

  it('the decision is written by `_id` where writes are serialized (the claim was read under its lock; any other filter decodes every claim on FerretDB)', async () => {
    const s = await buildSalesShop(app, {}, { stock: 10 });
    const seller = await buildSeller(app, s);
    const id = await newClaim(seller, s.product.id, 1);
    const writes = jest.spyOn(ClaimModel, 'findOneAndUpdate');
    expect((await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'rejected', reason: 'tidak ada transfer' })).status).toBe(200);
    expect(writes.mock.calls.map(([filter]) => Object.keys(filter ?? {}).join())).toEqual([writeLock.writesAreSerialized() ? '_id' : '_id,status']);
    writes.mockRestore();
    expect(await ClaimModel.findById(id).lean()).toMatchObject({ status: 'rejected' });
  });

  it('a reject landing while the confirmation makes its order loses (no lock, as on MongoDB): never a rejected claim with an order', async () => {
    withoutClaimLocks();
    const s = await buildSalesShop(app, {}, { stock: 10 });
    const seller = await buildSeller(app, s);
    const id = await newClaim(seller, s.product.id, 3);
    let rejectStatus = 0;
    // The reject runs to its end at the worst moment: stock reserved, order not yet stored.
    beforeNextInsert(OrderModel, async () => {
      rejectStatus = (await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'rejected' })).status;
    });
    const confirm = await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'confirmed' });
    expect(rejectStatus).toBe(409);
    expect(confirm.status).toBe(200);
    const claim = await ClaimModel.findById(id).lean();
    expect(claim).toMatchObject({ status: 'confirmed' });
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(1);
    expect(await stockOf(s.product.id)).toBe(7);
  });

  it('confirm and reject in parallel, many times: either confirmed with one order, or rejected with none and stock untouched', async () => {
    const s = await buildSalesShop(app, {}, { stock: 100 });
    const seller = await buildSeller(app, s);
    const ids = await Promise.all(Array.from({ length: 12 }, () => newClaim(seller, s.product.id, 2)));
    await Promise.all(
      ids.flatMap((id, i) => {
        const decide = (status: string) => app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status });
        return i % 2 ? [decide('rejected'), decide('confirmed')] : [decide('confirmed'), decide('rejected')];
      }),
    );
    let confirmed = 0;
    for (const id of ids) {
      const claim = (await ClaimModel.findById(id).lean())!;
      const orders = await OrderModel.countDocuments({ dedupeKey: `claim:${id}` });
      if (claim.status === 'confirmed') {
        confirmed += 1;
        expect(orders).toBe(1);
        expect(claim.orderId).not.toBeNull();
      } else {
        expect(claim.status).toBe('rejected');
        expect(orders).toBe(0);
      }
    }
    expect(await stockOf(s.product.id)).toBe(100 - 2 * confirmed);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: confirmed * 3_500 });
  });

  it('a receipt uploaded while the owner decides never undoes the decision', async () => {
    const s = await buildSalesShop(app, {}, { stock: 100 });
    const seller = await buildSeller(app, s);
    const ids = await Promise.all(Array.from({ length: 10 }, () => newClaim(seller, s.product.id)));
    const upload = (id: string) => app.http.post(`/api/v1/claims/${id}/receipt`).set(seller.auth).set('Content-Type', 'image/png').send(PNG);
    const results = await Promise.all(ids.flatMap((id) => [upload(id), app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'confirmed' }), upload(id)]));
    // Each upload either made it before the decision or was told it came too late.
    expect(results.filter((_, i) => i % 3 !== 1).every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'CLAIM_DECIDED'))).toBe(true);
    expect(results.filter((_, i) => i % 3 === 1).every((r) => r.status === 200)).toBe(true);
    for (const id of ids) {
      expect(await ClaimModel.findById(id).lean()).toMatchObject({ status: 'confirmed', orderId: expect.anything() });
    }
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(10);
    expect(await stockOf(s.product.id)).toBe(90);
    const late = await app.http.post(`/api/v1/claims/${ids[0]}/receipt`).set(seller.auth).set('Content-Type', 'image/png').send(PNG);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('CLAIM_DECIDED');
  });

  it('every update of a claim runs under that claim’s write lock (FerretDB rewrites whole documents)', async () => {
    const held = new AsyncLocalStorage<string[]>();
    const real = writeLock.withWriteLock;
    jest.spyOn(writeLock, 'withWriteLock').mockImplementation(<T>(key: string, fn: () => Promise<T>): Promise<T> => real(key, () => held.run([...(held.getStore() ?? []), key], fn)));
    const unlocked: string[] = [];
    for (const method of ['updateOne', 'findOneAndUpdate', 'findByIdAndUpdate', 'updateMany'] as const) {
      const original = ClaimModel[method].bind(ClaimModel) as (...args: unknown[]) => unknown;
      jest.spyOn(ClaimModel, method).mockImplementation(((...args: unknown[]) => {
        const filter = args[0] as { _id?: unknown } | string;
        const id = typeof filter === 'object' && filter !== null ? String(filter._id) : String(filter);
        if (!(held.getStore() ?? []).includes(`claim:${id}`)) unlocked.push(`${method} ${JSON.stringify(args[1])}`);
        return original(...args);
      }) as never);
    }
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const confirmed = await newClaim(seller, s.product.id);
    expect((await app.http.post(`/api/v1/claims/${confirmed}/receipt`).set(seller.auth).set('Content-Type', 'image/png').send(PNG)).status).toBe(201);
    expect((await app.http.patch(`/api/v1/claims/${confirmed}`).set(s.owner.auth).send({ status: 'confirmed' })).status).toBe(200);
    const rejected = await newClaim(seller, s.product.id);
    expect((await app.http.patch(`/api/v1/claims/${rejected}`).set(s.owner.auth).send({ status: 'rejected' })).status).toBe(200);
    expect(unlocked).toEqual([]);
  });

  it('confirming a sold-out claim is a 409 and leaves it pending, so the owner can still reject it', async () => {
    const s = await buildSalesShop(app, {}, { stock: 1 });
    const seller = await buildSeller(app, s);
    const id = await newClaim(seller, s.product.id, 2);
    const confirm = await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'confirmed' });
    expect(confirm.status).toBe(409);
    expect(confirm.body.error).toMatchObject({ code: 'STOCK_EXHAUSTED', details: { remaining: 1 } });
    expect(await ClaimModel.findById(id).lean()).toMatchObject({ status: 'pending', orderId: null });
    const reject = await app.http.patch(`/api/v1/claims/${id}`).set(s.owner.auth).send({ status: 'rejected' });
    expect(reject.status).toBe(200);
    expect(await stockOf(s.product.id)).toBe(1);
  });
});
