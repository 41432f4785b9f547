import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, checkout, earnings, setStatus, type SalesShop, type Seller } from '../../../test/sales';
import mongoose from 'mongoose';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { PayoutModel } from '../../models/Payout';
import { runOnce } from '../../jobs/holdReleaser';
import { appendEntry } from '../../commands/ledger/ledgerWriter';
import { REQUESTING_GRACE_MS, reconcilePayouts, reserveKey } from '../../commands/payouts/payoutReconciler';
import type { PayoutChanged } from '../../events/bus';
import { failNextInsert } from '../../../test/interceptedWrites';
import { writesAreSerialized } from '../../db/writeLock';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const DAY = 86_400_000;
const bank = { method: 'bank', account: { name: 'Rina', number: '1234-5678-90', bankName: 'BCA' } };

/** A shop (hold 0 days) where `seller` has `orders` fulfilled sales of Rp 200.000 at 7% → Rp 14.000 available each. */
async function sellerWithAvailable(orders: number, shop: Record<string, unknown> = {}): Promise<{ s: SalesShop; seller: Seller; orderIds: string[] }> {
  const s = await buildSalesShop(app, { holdDays: 0, ...shop }, { price: 200_000 });
  const seller = await buildSeller(app, s);
  const orderIds: string[] = [];
  for (let i = 0; i < orders; i += 1) {
    const order = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    orderIds.push(order.id);
  }
  return { s, seller, orderIds };
}

const requestPayout = (seller: Seller, shopId: string, amount: number, extra: Record<string, unknown> = bank) =>
  app.http.post('/api/v1/payouts').set(seller.auth).send({ shopId, amount, ...extra });

describe('payouts', () => {
  it('request → approve → paid with a reference; the reseller hears every step; the account is masked for the reseller', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const heard: PayoutChanged[] = [];
    app.deps.bus.on('payout', (e) => heard.push(e));
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000 });
    const res = await requestPayout(seller, s.shop.id, 14_000);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'requested', amount: 14_000, method: 'bank', account: { number: '••••••7890', bankName: 'BCA' } });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 14_000, paid: 0 });

    const id = res.body.data.id as string;
    expect((await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'approved' })).body.data.status).toBe('approved');
    const noRef = await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'paid' });
    expect(noRef.status).toBe(400);
    const paid = await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'paid', reference: 'TRF-0001' });
    expect(paid.status).toBe(200);
    expect(paid.body.data).toMatchObject({ status: 'paid', reference: 'TRF-0001', account: { number: '1234567890' } });
    // Traceable: the release it drew on, its reserve and its settlement.
    const kinds = await LedgerEntryModel.find({ _id: { $in: paid.body.data.entryIds } }).lean();
    expect(kinds.map((e) => e.kind).sort()).toEqual(['payout_paid', 'payout_reserve', 'release']);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 0, paid: 14_000 });
    expect(heard.filter((e) => e.payoutId === id).map((e) => e.status)).toEqual(['requested', 'approved', 'paid']);

    const again = await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'rejected' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_TRANSITION');
    const mine = await app.http.get('/api/v1/payouts').set(seller.auth);
    expect(mine.body.data[0].account.number).toBe('••••••7890');
    const owners = await app.http.get(`/api/v1/payouts?shopId=${s.shop.id}`).set(s.owner.auth);
    expect(owners.body.data.map((p: { id: string }) => p.id)).toEqual([id]);
  });

  it('rejected payouts return the funds to available', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 10_000)).body.data.id;
    await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'rejected', reason: 'nomor rekening salah' });
    await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'rejected' });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0, paid: 0 });
  });

  it('enforces the shop minimum, the available balance and the account format', async () => {
    const { s, seller } = await sellerWithAvailable(1, { minPayout: 12_000 });
    const small = await requestPayout(seller, s.shop.id, 11_000);
    expect(small.status).toBe(400);
    expect(small.body.error).toMatchObject({ code: 'PAYOUT_BELOW_MINIMUM', details: { minPayout: 12_000 } });
    const tooMuch = await requestPayout(seller, s.shop.id, 14_001);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error).toMatchObject({ code: 'INSUFFICIENT_BALANCE', details: { available: 14_000 } });
    const badBank = await requestPayout(seller, s.shop.id, 12_000, { method: 'bank', account: { name: 'R', number: '12ab' } });
    expect(badBank.status).toBe(400);
    expect(badBank.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['body.account.number', 'body.account.bankName']));
    const badWallet = await requestPayout(seller, s.shop.id, 12_000, { method: 'gopay', account: { name: 'R', number: '12345' } });
    expect(badWallet.status).toBe(400);
    const wallet = await requestPayout(seller, s.shop.id, 12_000, { method: 'dana', account: { name: 'Rina', number: '0812 3456 7890' } });
    expect(wallet.status).toBe(201);
    expect(wallet.body.data.account.number).toBe('••••••••7890');
  });

  it('10 concurrent requests never take available below zero', async () => {
    const { s, seller } = await sellerWithAvailable(3); // Rp 42.000
    const results = await Promise.all(Array.from({ length: 10 }, () => requestPayout(seller, s.shop.id, 10_000)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(4);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'INSUFFICIENT_BALANCE')).toBe(true);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 2_000, reserved: 40_000 });
  });

  it('a refund after the commission was paid out books a negative reversal (a debt later sales settle)', async () => {
    const { s, seller, orderIds } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 14_000)).body.data.id;
    await app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send({ status: 'paid', reference: 'TRF-9' });
    await setStatus(app, s.owner, orderIds[0]!, 'refunded');
    await setStatus(app, s.owner, orderIds[0]!, 'refunded');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: -14_000, paid: 14_000 });
    const reversal = await LedgerEntryModel.findOne({ orderId: orderIds[0], kind: 'reversal' }).lean();
    expect(reversal).toMatchObject({ amount: -14_000, deltas: { available: -14_000 } });
    expect(await LedgerEntryModel.countDocuments({ orderId: orderIds[0], kind: 'reversal' })).toBe(1);
    // Nothing can be withdrawn while the debt stands.
    expect((await requestPayout(seller, s.shop.id, 10_000)).status).toBe(409);
  });

  it('owners see what they owe per reseller; resellers page through their entries', async () => {
    const { s, seller } = await sellerWithAvailable(2);
    const owed = await app.http.get(`/api/v1/shops/${s.shop.id}/earnings`).set(s.owner.auth);
    expect(owed.status).toBe(200);
    expect(owed.body.data).toEqual([expect.objectContaining({ resellerId: seller.user.id, resellerName: 'Rina Reseller', available: 28_000 })]);
    expect((await app.http.get(`/api/v1/shops/${s.shop.id}/earnings`).set(seller.auth)).status).toBe(403);
    const first = await app.http.get(`/api/v1/me/earnings/${s.shop.id}/entries?limit=4`).set(seller.auth);
    expect(first.body.data).toHaveLength(4);
    expect(first.body.page.next).toEqual(expect.any(String));
    const second = await app.http.get(`/api/v1/me/earnings/${s.shop.id}/entries?limit=4&cursor=${first.body.page.next}`).set(seller.auth);
    expect(second.body.data).toHaveLength(2);
    expect(second.body.page.next).toBeNull();
    const kinds = [...first.body.data, ...second.body.data].map((e: { kind: string }) => e.kind).sort();
    expect(kinds).toEqual(['accrue', 'accrue', 'approve', 'approve', 'release', 'release']);
  });
});

const decide = (s: SalesShop, id: string, body: Record<string, unknown>) => app.http.patch(`/api/v1/payouts/${id}`).set(s.owner.auth).send(body);
const tracedKinds = async (entryIds: string[]) => (await LedgerEntryModel.find({ _id: { $in: entryIds } }).lean()).map((e) => e.kind).sort();

describe('payout transitions', () => {
  it('requested → paid directly (approval is optional): reserved moves to paid once', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 14_000)).body.data.id as string;
    const paid = await decide(s, id, { status: 'paid', reference: 'TRF-77' });
    expect(paid.status).toBe(200);
    expect(paid.body.data).toMatchObject({ status: 'paid', reference: 'TRF-77' });
    expect(await decide(s, id, { status: 'paid', reference: 'TRF-77' })).toHaveProperty('status', 200);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 0, paid: 14_000 });
    expect(await LedgerEntryModel.countDocuments({ payoutId: id, kind: 'payout_paid' })).toBe(1);
  });

  it('a decision is written by `_id` where writes are serialized (the payout was read under its lock; any other filter decodes every payout on FerretDB)', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 14_000)).body.data.id as string;
    const writes = jest.spyOn(PayoutModel, 'findOneAndUpdate');
    expect((await decide(s, id, { status: 'approved' })).body.data.status).toBe('approved');
    expect(writes.mock.calls.map(([filter]) => Object.keys(filter ?? {}).join())).toEqual([writesAreSerialized() ? '_id' : '_id,status']);
    writes.mockRestore();
  });

  it('approved → rejected returns the funds; a rejected payout can be neither paid nor approved (409 INVALID_TRANSITION)', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 12_000)).body.data.id as string;
    expect((await decide(s, id, { status: 'approved' })).body.data.status).toBe('approved');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 2_000, reserved: 12_000 });
    const rejected = await decide(s, id, { status: 'rejected', reason: 'nama tidak cocok' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.data).toMatchObject({ status: 'rejected', reason: 'nama tidak cocok' });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0, paid: 0 });
    for (const body of [{ status: 'paid', reference: 'TRF-1' }, { status: 'approved' }]) {
      const refused = await decide(s, id, body);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'rejected', to: body.status, allowed: [] } });
    }
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0, paid: 0 });
  });

  it('a paid payout cannot go back to approved (409), and "requested" is not a decision (400 naming the field)', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 14_000)).body.data.id as string;
    await decide(s, id, { status: 'paid', reference: 'TRF-2' });
    const back = await decide(s, id, { status: 'approved' });
    expect(back.status).toBe(409);
    expect(back.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'paid', to: 'approved' } });
    const bad = await decide(s, id, { status: 'requested' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain('body.status');
  });
});

describe('refunds of commission a payout may have drawn on', () => {
  it('released but never drawn on: the refund voids it, and the next payout traces only the commission still standing', async () => {
    const { s, seller, orderIds } = await sellerWithAvailable(2);
    await setStatus(app, s.owner, orderIds[0]!, 'refunded');
    const booked = await LedgerEntryModel.find({ orderId: orderIds[0], kind: { $in: ['void', 'reversal'] } }).lean();
    expect(booked).toEqual([expect.objectContaining({ kind: 'void', amount: -14_000, deltas: expect.objectContaining({ available: -14_000 }) })]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0, paid: 0 });

    const payout = (await requestPayout(seller, s.shop.id, 14_000)).body.data;
    const traced = await LedgerEntryModel.find({ _id: { $in: payout.entryIds } }).lean();
    expect(traced.map((e) => e.kind).sort()).toEqual(['payout_reserve', 'release']);
    expect(String(traced.find((e) => e.kind === 'release')!.orderId)).toBe(orderIds[1]);
  });

  it('partly drawn on by a payout: the undrawn part is voided, the drawn part reversed; amounts add up to the commission', async () => {
    const { s, seller, orderIds } = await sellerWithAvailable(1);
    const id = (await requestPayout(seller, s.shop.id, 10_000)).body.data.id as string;
    await setStatus(app, s.owner, orderIds[0]!, 'refunded');
    await setStatus(app, s.owner, orderIds[0]!, 'refunded');
    const booked = await LedgerEntryModel.find({ orderId: orderIds[0], kind: { $in: ['void', 'reversal'] } }).sort({ seq: 1 }).lean();
    expect(booked.map((e) => [e.kind, e.amount])).toEqual([
      ['void', -4_000],
      ['reversal', -10_000],
    ]);
    // The payout's 10.000 is a debt until the owner decides; rejecting it settles the debt exactly.
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 0, approved: 0, available: -10_000, reserved: 10_000, paid: 0 });
    await decide(s, id, { status: 'rejected' });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 0, paid: 0 });
  });
});

describe('a payout request that dies half-way', () => {
  afterEach(() => jest.restoreAllMocks());

  /** Makes the first call of `method` on `model` that satisfies `when` fail like a dropped connection. */
  function failOnce(model: object, method: string, when: (args: unknown[]) => Promise<boolean> | boolean): void {
    const original = (model as Record<string, (...args: unknown[]) => unknown>)[method]!;
    let failed = false;
    jest.spyOn(model as Record<string, (...args: unknown[]) => unknown>, method).mockImplementation((...args: unknown[]) =>
      (async () => {
        if (!failed && (await when(args))) {
          failed = true;
          throw new Error('connection reset by peer');
        }
        return original.apply(model, args);
      })(),
    );
  }

  it('after the reserve was booked: the money in "reserved" still has its payout, which the owner can settle', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    const reserveBooked = async () => Boolean(await LedgerEntryModel.exists({ resellerId: seller.user.id, kind: 'payout_reserve' }));
    // The first write to the payouts collection after the reserve entry fails.
    failOnce(PayoutModel, 'create', reserveBooked);
    failOnce(PayoutModel, 'findOneAndUpdate', reserveBooked);
    const res = await requestPayout(seller, s.shop.id, 14_000);
    expect(res.status).toBe(500);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 14_000 });
    jest.restoreAllMocks();

    const mine = await app.http.get('/api/v1/payouts').set(seller.auth);
    expect(mine.body.data).toEqual([expect.objectContaining({ status: 'requested', amount: 14_000 })]);
    expect(await tracedKinds(mine.body.data[0].entryIds)).toEqual(['payout_reserve', 'release']);
    const owners = await app.http.get(`/api/v1/payouts?shopId=${s.shop.id}`).set(s.owner.auth);
    expect(owners.body.data.map((p: { id: string }) => p.id)).toEqual([mine.body.data[0].id]);
    expect((await decide(s, mine.body.data[0].id, { status: 'paid', reference: 'TRF-5' })).status).toBe(200);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 0, paid: 14_000 });
  });

  it('before the reserve was booked: nothing moved, and once the grace is over the request is discarded for good', async () => {
    const { s, seller } = await sellerWithAvailable(1);
    failNextInsert(LedgerEntryModel, (doc) => doc.kind === 'payout_reserve', 'connection reset by peer');
    expect((await requestPayout(seller, s.shop.id, 14_000)).status).toBe(500);
    jest.restoreAllMocks();
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0 });
    expect((await app.http.get('/api/v1/payouts').set(seller.auth)).body.data).toEqual([]);

    const stalled = (await PayoutModel.findOne({ resellerId: seller.user.id }))!;
    expect(stalled.status).toBe('requesting');
    const resellerId = new mongoose.Types.ObjectId(seller.user.id);
    expect(await reconcilePayouts({ resellerId }, new Date(Date.now() + REQUESTING_GRACE_MS / 2))).toBe(0);
    expect(await reconcilePayouts({ resellerId }, new Date(Date.now() + REQUESTING_GRACE_MS + 1_000))).toBe(1);
    expect(await PayoutModel.countDocuments({ resellerId })).toBe(0);
    // The stalled request waking up now cannot reserve: its key is taken.
    const late = await appendEntry({
      resellerId,
      shopId: s.shop.id,
      payoutId: stalled._id,
      kind: 'payout_reserve',
      amount: 0,
      deltas: { available: -14_000, reserved: 14_000 },
      idempotencyKey: reserveKey(stalled._id),
    });
    expect(late.created).toBe(false);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0 });
    expect((await requestPayout(seller, s.shop.id, 14_000)).status).toBe(201);
  });
});

describe('hold releaser', () => {
  it('two releasers running at once release each commission exactly once', async () => {
    const s = await buildSalesShop(app, { holdDays: 7 });
    const seller = await buildSeller(app, s);
    for (let i = 0; i < 3; i += 1) {
      const order = (await checkout(app, s.product.id, { quantity: 2, ref: seller.code })).body.data;
      await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    }
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ approved: 10_500, available: 0 });
    const later = new Date(Date.now() + 8 * DAY);
    const [a, b] = await Promise.all([runOnce(app.deps, later), runOnce(app.deps, later)]);
    expect(a + b).toBe(3);
    await runOnce(app.deps, later);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ approved: 0, available: 10_500 });
  });
});
