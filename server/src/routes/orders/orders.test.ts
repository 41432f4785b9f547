import { AsyncLocalStorage } from 'node:async_hooks';
import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import * as writeLock from '../../db/writeLock';
import { buildReseller, joinShop } from '../../../test/factories';
import { attributionCookie, buildSalesShop, buildSeller, buyer, checkout, earnings, setStatus } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { ProductModel } from '../../models/Product';
import { OrderModel } from '../../models/Order';
import { runOnce } from '../../jobs/holdReleaser';
import { bookStrandedOrders } from '../../commands/orders/orderCreator';
import { transitionOrder } from '../../commands/orders/orderTransitioner';
import { monthRange } from '../../rollups/buckets';
import { ServiceUnavailableError } from '../../lib/errors';
import { failNextInsert } from '../../../test/interceptedWrites';
import * as groupCommit from '../../db/groupCommit';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const DAY = 86_400_000;
const MINUTE = 60_000;
afterEach(() => jest.restoreAllMocks());
/** The ledger write fails once, after the order was stored (a crash between the two). */
const failNextLedgerWrite = (): void => {
  failNextInsert(LedgerEntryModel);
};
const stockOf = async (productId: string): Promise<number> => (await ProductModel.findById(productId).lean())!.stock;

describe('POST /checkout', () => {
  it('a follower selling 2 × Rp 25.000 by code earns Rp 3.500 pending; the buyer gets payment instructions and a review link', async () => {
    const s = await buildSalesShop(app, {
      paymentInstructions: [{ method: 'bank', provider: 'BCA', accountName: 'Albar', accountNumber: '1234567890' }],
    });
    const seller = await buildSeller(app, s);
    const res = await checkout(app, s.product.id, { quantity: 2, ref: seller.code });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'pending', total: 50_000, attribution: { resellerId: seller.user.id, linkId: seller.linkId, via: 'code' } });
    expect(res.body.data.payment).toEqual([{ method: 'bank', provider: 'BCA', accountName: 'Albar', accountNumber: '1234567890' }]);
    expect(res.body.data.reviewUrl).toMatch(/\/p\/[a-f0-9]{24}\/review\?token=/);
    expect(await stockOf(s.product.id)).toBe(98);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500, approved: 0, available: 0 });
    const entry = await LedgerEntryModel.findOne({ orderId: res.body.data.id, kind: 'accrue' }).lean();
    expect(entry).toMatchObject({ amount: 3_500, base: 50_000, rateBp: 700, bonusBp: 0 });
  });

  it('the attribution cookie counts within the shop’s window, not after; an explicit code wins over it', async () => {
    const s = await buildSalesShop(app, { attributionDays: 7 });
    const a = await buildSeller(app, s);
    const b = await buildSeller(app, s);
    const fresh = await checkout(app, s.product.id, {}, attributionCookie(app, a, s.shop.id, new Date(Date.now() - 6 * DAY)));
    expect(fresh.body.data.attribution).toMatchObject({ resellerId: a.user.id, via: 'cookie' });
    const stale = await checkout(app, s.product.id, {}, attributionCookie(app, a, s.shop.id, new Date(Date.now() - 8 * DAY)));
    expect(stale.body.data.attribution).toBeNull();
    const both = await checkout(app, s.product.id, { ref: b.code }, attributionCookie(app, a, s.shop.id));
    expect(both.body.data.attribution).toMatchObject({ resellerId: b.user.id, via: 'code' });
    const otherShop = await buildSalesShop(app);
    const foreign = await checkout(app, otherShop.product.id, {}, attributionCookie(app, a, s.shop.id));
    expect(foreign.body.data.attribution).toBeNull();
    const forged = await checkout(app, s.product.id, {}, `${attributionCookie(app, a, s.shop.id)}x`);
    expect(forged.body.data.attribution).toBeNull();
  });

  it('a blocked reseller’s code leaves the order unattributed', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const list = await app.http.get(`/api/v1/shops/${s.shop.id}/resellers`).set(s.owner.auth);
    const membership = (list.body.data as Array<{ id: string; resellerId: string }>).find((m) => m.resellerId === seller.user.id)!;
    expect((await app.http.patch(`/api/v1/memberships/${membership.id}`).set(s.owner.auth).send({ status: 'blocked' })).status).toBe(200);
    const res = await checkout(app, s.product.id, { ref: seller.code });
    expect(res.status).toBe(201);
    expect(res.body.data.attribution).toBeNull();
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });
  });

  it('a link its reseller switched off earns nothing, by code or by an earlier cookie', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const cookie = attributionCookie(app, seller, s.shop.id);
    const off = await app.http.patch(`/api/v1/links/${seller.linkId}`).set(seller.auth).send({ active: false });
    expect(off.status).toBe(200);
    const byCode = await checkout(app, s.product.id, { ref: seller.code });
    expect(byCode.status).toBe(201);
    expect(byCode.body.data.attribution).toBeNull();
    const byCookie = await checkout(app, s.product.id, {}, cookie);
    expect(byCookie.status).toBe(201);
    expect(byCookie.body.data.attribution).toBeNull();
    // The owner typing the code is not refused either: the sale stands, unattributed.
    const recorded = await app.http.post(`/api/v1/shops/${s.shop.id}/orders`).set(s.owner.auth).send({ productId: s.product.id, quantity: 1, buyer: buyer(), ref: seller.code });
    expect(recorded.status).toBe(201);
    expect(recorded.body.data).toMatchObject({ attribution: null, commission: 0 });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });
    // Switched back on, it earns again.
    await app.http.patch(`/api/v1/links/${seller.linkId}`).set(seller.auth).send({ active: true });
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toMatchObject({ resellerId: seller.user.id });
  });

  it('a checkout whose commission booking crashed is booked by the sweep, once', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    failNextLedgerWrite();
    const res = await checkout(app, s.product.id, { quantity: 2, ref: seller.code });
    expect(res.status).toBe(500);
    const order = (await OrderModel.findOne({ shopId: s.shop.id }).lean())!;
    expect(order.commissionBooked).toBe(false);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });
    // Recent orders are left to their creator; stranded ones are booked.
    expect(await bookStrandedOrders(app.deps, new Date(Date.now() - MINUTE))).toBe(0);
    await Promise.all([bookStrandedOrders(app.deps, new Date(Date.now() + 1000)), bookStrandedOrders(app.deps, new Date(Date.now() + 1000))]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    expect(await LedgerEntryModel.countDocuments({ orderId: order._id })).toBe(1);
    expect((await OrderModel.findById(order._id).lean())!.commissionBooked).toBe(true);
  });

  it('a checkout that cannot take its order’s lock stores nothing and gives its units back', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const real = writeLock.withWriteLock;
    jest
      .spyOn(writeLock, 'withWriteLock')
      .mockImplementation(<T>(key: string, fn: () => Promise<T>): Promise<T> => (key.startsWith('order:') ? Promise.reject(new ServiceUnavailableError('BUSY', 'The record is busy; please retry')) : real(key, fn)));
    const res = await checkout(app, s.product.id, { quantity: 2, ref: seller.code });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('BUSY');
    expect(await stockOf(s.product.id)).toBe(100);
    expect(await OrderModel.countDocuments({ shopId: s.shop.id })).toBe(0);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });
  });

  it('a lock whose release fails (a database hiccup) does not fail the sale it guarded', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const original = groupCommit.deleteOneGrouped;
    let failed = 0;
    jest.spyOn(groupCommit, 'deleteOneGrouped').mockImplementation((collection, filter) => {
      if (collection === '_write_locks' && failed < 2) {
        failed += 1;
        return Promise.reject(new Error('connection reset'));
      }
      return original(collection, filter);
    });
    const res = await checkout(app, s.product.id, { quantity: 2, ref: seller.code });
    expect(res.status).toBe(201);
    expect(await stockOf(s.product.id)).toBe(98);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500 });
    // Where writes are locked (FerretDB), both releases failed and the leases run out on their own.
    expect(failed).toBe(writeLock.writesAreSerialized() ? 2 : 0);
  });

  it('an order whose booking crashed gets its commission before a transition moves it', async () => {
    const s = await buildSalesShop(app, { holdDays: 0 });
    const seller = await buildSeller(app, s);
    failNextLedgerWrite();
    expect((await checkout(app, s.product.id, { ref: seller.code })).status).toBe(500);
    const order = (await OrderModel.findOne({ shopId: s.shop.id }).lean())!;
    await setStatus(app, s.owner, String(order._id), 'paid', 'fulfilled');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: 1_750 });
  });

  it('self-referral (own phone, or own account) earns nothing and flags the order', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    const byPhone = await checkout(app, s.product.id, { ref: seller.code, buyer: { name: 'Rina', phone: seller.user.phone, address: '' } });
    expect(byPhone.status).toBe(201);
    expect(byPhone.body.data.attribution).toBeNull();
    const byAccount = await app.http
      .post('/api/v1/checkout')
      .set(seller.auth)
      .send({ productId: s.product.id, quantity: 1, buyer: buyer(), ref: seller.code });
    expect(byAccount.body.data.attribution).toBeNull();
    const orders = await app.http.get(`/api/v1/shops/${s.shop.id}/orders`).set(s.owner.auth);
    expect(orders.body.data.map((o: { flags: { selfReferral: boolean } }) => o.flags.selfReferral)).toEqual([true, true]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0 });
  });

  it('20 concurrent checkouts for the last 5 units: exactly 5 orders, the rest 409 STOCK_EXHAUSTED with what remains', async () => {
    const s = await buildSalesShop(app, {}, { stock: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => checkout(app, s.product.id)));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'STOCK_EXHAUSTED', details: { remaining: 0 } });
    expect(await stockOf(s.product.id)).toBe(0);
    const more = await checkout(app, s.product.id);
    expect(more.status).toBe(409);
  });

  it('asking for more than remains says how many are left', async () => {
    const s = await buildSalesShop(app, {}, { stock: 3 });
    const res = await checkout(app, s.product.id, { quantity: 4 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'STOCK_EXHAUSTED', details: { remaining: 3 } });
  });

  it('validates input: unknown keys, bad phone, missing product', async () => {
    const s = await buildSalesShop(app);
    const bad = await app.http.post('/api/v1/checkout').send({ productId: s.product.id, quantity: 1, buyer: { name: 'X', phone: '12', address: '' }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['body.buyer.phone', 'body.extra']));
    const missing = await checkout(app, '0123456789abcdef01234567');
    expect(missing.status).toBe(404);
  });
});

describe('POST /shops/:shopId/orders (owner records a WhatsApp sale)', () => {
  it('attributes by the typed code; an unknown code is a 400; other owners get 403', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s, { segment: 'influencer' });
    const res = await app.http.post(`/api/v1/shops/${s.shop.id}/orders`).set(s.owner.auth).send({ productId: s.product.id, quantity: 3, buyer: buyer(), ref: seller.code });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ source: 'owner', total: 75_000, commission: 7_500, attribution: { resellerId: seller.user.id, via: 'code' } });
    const unknown = await app.http.post(`/api/v1/shops/${s.shop.id}/orders`).set(s.owner.auth).send({ productId: s.product.id, quantity: 1, buyer: buyer(), ref: 'NOPE123' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('REFERRAL_CODE_UNKNOWN');
    const stranger = await buildSalesShop(app);
    const forbidden = await app.http.post(`/api/v1/shops/${s.shop.id}/orders`).set(stranger.owner.auth).send({ productId: s.product.id, quantity: 1, buyer: buyer() });
    expect(forbidden.status).toBe(403);
  });
});

describe('PATCH /orders/:id — transitions and the ledger', () => {
  it('pending → paid → fulfilled approves the commission; after the hold it becomes available', async () => {
    const s = await buildSalesShop(app, { holdDays: 7 });
    const seller = await buildSeller(app, s);
    const order = (await checkout(app, s.product.id, { quantity: 2, ref: seller.code })).body.data;
    const paid = await setStatus(app, s.owner, order.id, 'paid');
    expect(paid.body.data.status).toBe('paid');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_500, approved: 0 });
    await setStatus(app, s.owner, order.id, 'fulfilled');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 3_500, available: 0 });
    const approve = await LedgerEntryModel.findOne({ orderId: order.id, kind: 'approve' }).lean();
    const dueIn = approve!.availableAt!.getTime() - Date.now();
    expect(dueIn).toBeGreaterThan(7 * DAY - 60_000);
    expect(dueIn).toBeLessThanOrEqual(7 * DAY);
    await runOnce(app.deps, new Date(Date.now() + 6 * DAY));
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ approved: 3_500, available: 0 });
    // Clearing the released order's mark is a write by `_id` (any other filter decodes every order on FerretDB).
    const updates = jest.spyOn(OrderModel, 'updateOne');
    await runOnce(app.deps, new Date(Date.now() + 7 * DAY + 1000));
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ approved: 0, available: 3_500 });
    expect(updates.mock.calls.map(([filter]) => Object.keys(filter ?? {}).join())).toEqual([writeLock.writesAreSerialized() ? '_id' : '_id,commissionDueAt']);
    expect((await OrderModel.findById(order.id).lean())!.commissionDueAt).toBeNull();
  });

  it('refuses invalid transitions with 409 INVALID_TRANSITION', async () => {
    const s = await buildSalesShop(app);
    const order = (await checkout(app, s.product.id)).body.data;
    const skip = await app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'fulfilled' });
    expect(skip.status).toBe(409);
    expect(skip.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'pending', to: 'fulfilled' } });
    const refundPending = await app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'refunded' });
    expect(refundPending.status).toBe(409);
    await setStatus(app, s.owner, order.id, 'cancelled');
    const revive = await app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'paid' });
    expect(revive.status).toBe(409);
    const other = await buildSalesShop(app);
    expect((await app.http.patch(`/api/v1/orders/${order.id}`).set(other.owner.auth).send({ status: 'paid' })).status).toBe(403);
  });

  it('cancel voids pending commission and restores stock — once, however often it is replayed', async () => {
    const s = await buildSalesShop(app, {}, { stock: 10 });
    const seller = await buildSeller(app, s);
    const order = (await checkout(app, s.product.id, { quantity: 4, ref: seller.code })).body.data;
    expect(await stockOf(s.product.id)).toBe(6);
    const replays = await Promise.all(Array.from({ length: 5 }, () => app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'cancelled' })));
    expect(replays.every((r) => r.status === 200 && r.body.data.status === 'cancelled')).toBe(true);
    expect(await stockOf(s.product.id)).toBe(10);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: 0 });
    const entries = await LedgerEntryModel.find({ orderId: order.id }).lean();
    expect(entries.map((e) => e.kind).sort()).toEqual(['accrue', 'void']);
  });

  it('paid → cancelled and paid → refunded void the commission and put the stock back', async () => {
    const s = await buildSalesShop(app, {}, { stock: 10 });
    const seller = await buildSeller(app, s);
    const a = (await checkout(app, s.product.id, { quantity: 2, ref: seller.code })).body.data;
    const b = (await checkout(app, s.product.id, { quantity: 3, ref: seller.code })).body.data;
    expect(await stockOf(s.product.id)).toBe(5);
    expect((await setStatus(app, s.owner, a.id, 'paid', 'cancelled')).body.data.status).toBe('cancelled');
    expect(await stockOf(s.product.id)).toBe(7);
    expect((await setStatus(app, s.owner, b.id, 'paid', 'refunded')).body.data.status).toBe('refunded');
    expect(await stockOf(s.product.id)).toBe(10);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: 0 });
    for (const id of [a.id, b.id]) expect((await LedgerEntryModel.find({ orderId: id }).lean()).map((e) => e.kind).sort()).toEqual(['accrue', 'void']);
  });

  it('a refund replayed (at once and later) restores the stock exactly once', async () => {
    const s = await buildSalesShop(app, { holdDays: 7 }, { stock: 10 });
    const seller = await buildSeller(app, s);
    const order = (await checkout(app, s.product.id, { quantity: 4, ref: seller.code })).body.data;
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    expect(await stockOf(s.product.id)).toBe(6);
    const replays = await Promise.all(Array.from({ length: 5 }, () => app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'refunded' })));
    expect(replays.every((r) => r.status === 200 && r.body.data.status === 'refunded')).toBe(true);
    await setStatus(app, s.owner, order.id, 'refunded');
    expect(await stockOf(s.product.id)).toBe(10);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: 0 });
    expect((await LedgerEntryModel.find({ orderId: order.id }).lean()).map((e) => e.kind).sort()).toEqual(['accrue', 'approve', 'void']);
  });

  it('a refund racing the fulfilment’s hold date, or the hold releaser, is never undone', async () => {
    const s = await buildSalesShop(app, { holdDays: 7 }, { stock: 100 });
    const seller = await buildSeller(app, s);
    const racers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const o = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
        await setStatus(app, s.owner, o.id, 'paid');
        return o.id as string;
      }),
    );
    // Fulfil and refund at once: the fulfilment's follow-up write (the hold date) must not resurrect it.
    await Promise.all(racers.flatMap((id) => [app.http.patch(`/api/v1/orders/${id}`).set(s.owner.auth).send({ status: 'fulfilled' }), app.http.patch(`/api/v1/orders/${id}`).set(s.owner.auth).send({ status: 'refunded' })]));
    const released = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const o = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
        await setStatus(app, s.owner, o.id, 'paid', 'fulfilled');
        return o.id as string;
      }),
    );
    // The releaser clears the hold date while refunds land.
    await Promise.all([runOnce(app.deps, new Date(Date.now() + 8 * DAY)), ...released.map((id) => app.http.patch(`/api/v1/orders/${id}`).set(s.owner.auth).send({ status: 'refunded' }))]);
    for (const id of [...racers, ...released]) {
      expect(await OrderModel.findById(id).lean()).toMatchObject({ status: 'refunded', stockRestored: true, commissionDueAt: null });
    }
    expect(await stockOf(s.product.id)).toBe(100);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0 });
  });

  it('every update of an order runs under that order’s write lock (FerretDB rewrites whole documents)', async () => {
    // Records which lock keys the current async call chain holds, and every order update made outside its own.
    const held = new AsyncLocalStorage<string[]>();
    const real = writeLock.withWriteLock;
    jest.spyOn(writeLock, 'withWriteLock').mockImplementation(<T>(key: string, fn: () => Promise<T>): Promise<T> => real(key, () => held.run([...(held.getStore() ?? []), key], fn)));
    const unlocked: string[] = [];
    for (const method of ['updateOne', 'findOneAndUpdate', 'findByIdAndUpdate', 'updateMany'] as const) {
      const original = OrderModel[method].bind(OrderModel) as (...args: unknown[]) => unknown;
      jest.spyOn(OrderModel, method).mockImplementation(((...args: unknown[]) => {
        const filter = args[0] as { _id?: unknown } | string;
        const id = typeof filter === 'object' && filter !== null ? String(filter._id) : String(filter);
        if (!(held.getStore() ?? []).includes(`order:${id}`)) unlocked.push(`${method} ${JSON.stringify(args[1])}`);
        return original(...args);
      }) as never);
    }
    const s = await buildSalesShop(app, { holdDays: 7 });
    const seller = await buildSeller(app, s);
    const a = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
    await setStatus(app, s.owner, a.id, 'paid', 'fulfilled');
    await runOnce(app.deps, new Date(Date.now() + 8 * DAY));
    await setStatus(app, s.owner, a.id, 'refunded');
    const b = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
    await setStatus(app, s.owner, b.id, 'cancelled');
    expect(unlocked).toEqual([]);
  });

  it('refund after fulfilment (before release) voids the approved commission', async () => {
    const s = await buildSalesShop(app, { holdDays: 14 });
    const seller = await buildSeller(app, s);
    const order = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled', 'refunded');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: 0 });
    // The releaser finds nothing left to release.
    await runOnce(app.deps, new Date(Date.now() + 15 * DAY));
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ approved: 0, available: 0 });
  });

  it('replaying fulfilment never approves twice', async () => {
    const s = await buildSalesShop(app, { holdDays: 0 });
    const seller = await buildSeller(app, s);
    const order = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
    await setStatus(app, s.owner, order.id, 'paid');
    await Promise.all(Array.from({ length: 5 }, () => app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'fulfilled' })));
    await setStatus(app, s.owner, order.id, 'fulfilled');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: 1_750 });
    expect(await LedgerEntryModel.countDocuments({ orderId: order.id })).toBe(3);
  });
});

describe('commission amounts through the API', () => {
  it('monthly volume tiers add bonus bp once the reseller’s fulfilled sales this month reach the threshold', async () => {
    const s = await buildSalesShop(
      app,
      { commission: { type: 'percent', bySegment: { buzzer: 500, influencer: 1000, follower: 700 }, tiers: [{ minMonthlySales: 100_000, bonusBp: 200 }], uplineBp: 0 } },
      { price: 50_000 },
    );
    const seller = await buildSeller(app, s);
    const first = (await checkout(app, s.product.id, { quantity: 2, ref: seller.code })).body.data;
    // Not fulfilled yet: a pending sale does not count toward the tier.
    const second = (await checkout(app, s.product.id, { quantity: 1, ref: seller.code })).body.data;
    await setStatus(app, s.owner, first.id, 'paid', 'fulfilled');
    const third = (await checkout(app, s.product.id, { quantity: 1, ref: seller.code })).body.data;
    const amounts = await Promise.all(
      [first, second, third].map(async (o) => (await LedgerEntryModel.findOne({ orderId: o.id, kind: 'accrue' }).lean())!),
    );
    expect(amounts.map((e) => [e.amount, e.bonusBp])).toEqual([
      [7_000, 0],
      [3_500, 0],
      [4_500, 200],
    ]);
  });

  it('flat per-unit product override', async () => {
    const s = await buildSalesShop(app, {}, { commission: { type: 'flat', bySegment: { buzzer: 1_000, influencer: 3_000, follower: 2_000 }, tiers: [], uplineBp: 0 } });
    const seller = await buildSeller(app, s, { segment: 'buzzer' });
    await checkout(app, s.product.id, { quantity: 3, ref: seller.code });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 3_000 });
  });

  it('rounds down: 7% of 1 × Rp 12.345 is Rp 864', async () => {
    const s = await buildSalesShop(app, {}, { price: 12_345 });
    const seller = await buildSeller(app, s);
    await checkout(app, s.product.id, { ref: seller.code });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 864 });
  });

  it('the upline earns the shop’s upline rate only while active (a fulfilled own sale this month) and an approved member', async () => {
    const s = await buildSalesShop(app, { commission: { type: 'percent', bySegment: { buzzer: 500, influencer: 1000, follower: 700 }, tiers: [], uplineBp: 200 } });
    const upline = await buildSeller(app, s);
    const down = await buildSeller(app, s, { invite: upline.user.inviteCode });
    expect(down.user.uplineId).toBe(upline.user.id);
    // Upline inactive: no override.
    await checkout(app, s.product.id, { quantity: 2, ref: down.code });
    expect(await earnings(app, upline, s.shop.id)).toMatchObject({ pending: 0 });
    // The upline sells and the sale is fulfilled: now active.
    const own = (await checkout(app, s.product.id, { ref: upline.code })).body.data;
    await setStatus(app, s.owner, own.id, 'paid', 'fulfilled');
    const before = await earnings(app, upline, s.shop.id);
    await checkout(app, s.product.id, { quantity: 2, ref: down.code });
    const after = await earnings(app, upline, s.shop.id);
    expect(after.pending - before.pending).toBe(1_000); // 2% of Rp 50.000
    expect(await earnings(app, down, s.shop.id)).toMatchObject({ pending: 7_000 });
    // The upline buying through the downline's link earns no override.
    await checkout(app, s.product.id, { quantity: 2, ref: down.code, buyer: { name: 'Up', phone: upline.user.phone, address: '' } });
    expect((await earnings(app, upline, s.shop.id)).pending).toBe(after.pending);

    // An upline who is not a member of this shop earns nothing here.
    const other = await buildSalesShop(app);
    const downElsewhere = await buildReseller(app, { invite: upline.user.inviteCode });
    await joinShop(app, downElsewhere, other.shop.id, other.owner);
    const link = await app.http.post('/api/v1/links').set(downElsewhere.auth).send({ productId: other.product.id });
    await checkout(app, other.product.id, { ref: link.body.data.code });
    expect(await earnings(app, upline, other.shop.id)).toMatchObject({ pending: 0 });
  });
});

describe('the upline’s team reward', () => {
  const rules = { type: 'percent' as const, bySegment: { buzzer: 500, influencer: 1000, follower: 700 }, tiers: [], uplineBp: 200 };

  async function team(shop: Parameters<typeof buildSalesShop>[1] = {}, product: Parameters<typeof buildSalesShop>[2] = {}) {
    const s = await buildSalesShop(app, { commission: rules, ...shop }, product);
    const upline = await buildSeller(app, s);
    const down = await buildSeller(app, s, { invite: upline.user.inviteCode });
    /** The upline's pending override on a 2 × Rp 25.000 sale by the downline. */
    const override = async (): Promise<number> => {
      const before = (await earnings(app, upline, s.shop.id)).pending;
      const sale = await checkout(app, s.product.id, { quantity: 2, ref: down.code });
      expect(sale.status).toBe(201);
      return (await earnings(app, upline, s.shop.id)).pending - before;
    };
    /** A fulfilled own sale of the upline, fulfilled at `at` (the transition's clock). */
    const ownSale = async (at?: Date): Promise<string> => {
      const o = (await checkout(app, s.product.id, { ref: upline.code })).body.data;
      await setStatus(app, s.owner, o.id, 'paid');
      if (at) await transitionOrder(app.deps, { orderId: o.id, to: 'fulfilled', now: at });
      else await setStatus(app, s.owner, o.id, 'fulfilled');
      return o.id as string;
    };
    return { s, upline, down, override, ownSale };
  }

  it('needs a fulfilled own sale in this calendar month of the shop’s time zone', async () => {
    const { override, ownSale } = await team();
    expect(await override()).toBe(0); // approved but no sale yet
    const month = monthRange(new Date(), 'Asia/Jakarta');
    await ownSale(new Date(month.from.getTime() - MINUTE)); // last month, by a minute
    expect(await override()).toBe(0);
    // One minute into this month in Jakarta — still last month in UTC: it counts.
    await ownSale(new Date(month.from.getTime() + MINUTE));
    expect(await override()).toBe(1_000); // 2% of Rp 50.000
  });

  it('a pending (unfulfilled) own sale does not count; a blocked upline earns nothing', async () => {
    const { s, upline, override, ownSale } = await team();
    await checkout(app, s.product.id, { ref: upline.code });
    expect(await override()).toBe(0);
    await ownSale();
    expect(await override()).toBe(1_000);
    const list = await app.http.get(`/api/v1/shops/${s.shop.id}/resellers`).set(s.owner.auth);
    const membership = (list.body.data as Array<{ id: string; resellerId: string }>).find((m) => m.resellerId === upline.user.id)!;
    expect((await app.http.patch(`/api/v1/memberships/${membership.id}`).set(s.owner.auth).send({ status: 'blocked' })).status).toBe(200);
    expect(await override()).toBe(0);
  });

  it('a product’s own rules set the upline share too (0 switches it off for that product)', async () => {
    const higher = await team({}, { commission: { ...rules, uplineBp: 500 } });
    await higher.ownSale();
    expect(await higher.override()).toBe(2_500); // the product's 5%, not the shop's 2%
    const none = await team({}, { commission: { ...rules, uplineBp: 0 } });
    await none.ownSale();
    expect(await none.override()).toBe(0);
  });

  it('a flat rate above the unit price is capped: commission never exceeds the sale', async () => {
    const flat = { type: 'flat' as const, bySegment: { buzzer: 30_000, influencer: 30_000, follower: 30_000 }, tiers: [], uplineBp: 200 };
    const { s, down, upline, ownSale } = await team({}, { commission: flat });
    await ownSale();
    const before = await earnings(app, upline, s.shop.id);
    // The owner records a negotiated Rp 20.000 a unit; Rp 30.000 a unit would pay out more than the sale.
    const res = await app.http.post(`/api/v1/shops/${s.shop.id}/orders`).set(s.owner.auth).send({ productId: s.product.id, quantity: 2, unitPrice: 20_000, buyer: buyer(), ref: down.code });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ total: 40_000, commission: 40_000 });
    expect(await earnings(app, down, s.shop.id)).toMatchObject({ pending: 40_000 });
    expect((await earnings(app, upline, s.shop.id)).pending).toBe(before.pending);
  });
});

describe('GET /products/:id/whatsapp', () => {
  it('pre-fills a wa.me message to the shop with the product, quantity and code', async () => {
    const s = await buildSalesShop(app);
    const res = await app.http.get(`/api/v1/products/${s.product.id}/whatsapp?ref=AbC123&quantity=2`);
    expect(res.status).toBe(200);
    expect(res.body.data.url).toMatch(/^https:\/\/wa\.me\/6281234567890\?text=/);
    const text = decodeURIComponent(res.body.data.url.split('?text=')[1]);
    expect(text).toContain('Keripik Tempe Pedas');
    expect(text).toContain('2');
    expect(text).toContain('AbC123');
  });
});
