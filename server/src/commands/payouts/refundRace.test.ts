import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, checkout, earnings, setStatus, type SalesShop, type Seller } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';

// `mockLocksOff` runs the same race with withWriteLock as a plain call — what it is on MongoDB —
// so the ledger's own guard (the per-account sequence) is what has to hold.
let mockLocksOff = false;
jest.mock('../../db/writeLock', () => {
  const actual = jest.requireActual<typeof import('../../db/writeLock')>('../../db/writeLock');
  return { ...actual, withWriteLock: <T>(key: string, fn: () => Promise<T>): Promise<T> => (mockLocksOff ? fn() : actual.withWriteLock(key, fn)) };
});

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ovo = { method: 'ovo', account: { name: 'Rina', number: '081234567890' } };

/**
 * One Rp 14.000 commission becomes available, then its refund and a payout request for it are fired
 * together. Only two outcomes are correct — whichever lands first wins:
 *  refund first: the unpaid commission is voided, the payout is refused (409, nothing reserved);
 *  payout first: the payout reserves it, the refund books a reversal (a debt) against available.
 * The lost-guard outcome — a void *and* a reserve, each decided on a balance without the other — is
 * what the audit measured (available −14.000, reserved 14.000, the refund booked as unpaid).
 */
async function raceRefundAgainstPayout(iterations: number): Promise<{ refundFirst: number; payoutFirst: number }> {
  const s: SalesShop = await buildSalesShop(app, { holdDays: 0 }, { price: 200_000, stock: 1_000 });
  const seller: Seller = await buildSeller(app, s);
  const seen = { refundFirst: 0, payoutFirst: 0 };
  for (let i = 0; i < iterations; i += 1) {
    const order = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000, reserved: 0 });

    // The payout is fired 0–56 ms after the refund so the two cross at every point of each other's path.
    const [refund, payout] = await Promise.all([
      app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'refunded' }),
      sleep((i % 8) * 8).then(() => app.http.post('/api/v1/payouts').set(seller.auth).send({ shopId: s.shop.id, amount: 14_000, ...ovo })),
    ]);
    expect(refund.status).toBe(200);
    const booked = await LedgerEntryModel.find({ orderId: order.id, kind: { $in: ['void', 'reversal'] } }).lean();
    expect(booked).toHaveLength(1);
    const after = await earnings(app, seller, s.shop.id);
    if (payout.status === 201) {
      seen.payoutFirst += 1;
      expect(booked[0]).toMatchObject({ kind: 'reversal', amount: -14_000, deltas: { available: -14_000 } });
      expect(after).toMatchObject({ available: -14_000, reserved: 14_000 });
      // Back to a clean slate for the next round: the owner rejects, the debt is settled.
      const rejected = await app.http.patch(`/api/v1/payouts/${payout.body.data.id}`).set(s.owner.auth).send({ status: 'rejected' });
      expect(rejected.status).toBe(200);
      expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 0, reserved: 0 });
    } else {
      seen.refundFirst += 1;
      expect(payout.status).toBe(409);
      expect(payout.body.error).toMatchObject({ code: 'INSUFFICIENT_BALANCE', details: { available: 0 } });
      expect(booked[0]).toMatchObject({ kind: 'void', amount: -14_000, deltas: { available: -14_000 } });
      expect(after).toMatchObject({ available: 0, reserved: 0 });
    }
  }
  // Replayed in the order the ledger serialized them, no reserve ever took more than was available.
  const entries = await LedgerEntryModel.find({ resellerId: seller.user.id, shopId: s.shop.id }).sort({ seq: 1 }).lean();
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  let available = 0;
  for (const e of entries) {
    if (e.kind === 'payout_reserve') expect(available).toBeGreaterThanOrEqual(e.deltas?.reserved ?? 0);
    available += e.deltas?.available ?? 0;
  }
  return seen;
}

describe('a refund racing a payout request for the same commission', () => {
  afterEach(() => {
    mockLocksOff = false;
  });

  it('with the FerretDB write lock: one of them lands first, never both on the same balance', async () => {
    const seen = await raceRefundAgainstPayout(15);
    expect(seen.refundFirst + seen.payoutFirst).toBe(15);
  }, 60_000);

  it('without any lock (as on MongoDB): the per-account sequence alone keeps it serial', async () => {
    mockLocksOff = true;
    const seen = await raceRefundAgainstPayout(15);
    expect(seen.refundFirst + seen.payoutFirst).toBe(15);
  }, 60_000);

  it('without any lock: 10 concurrent payout requests on Rp 42.000 reserve exactly four of Rp 10.000', async () => {
    mockLocksOff = true;
    const s = await buildSalesShop(app, { holdDays: 0 }, { price: 200_000 });
    const seller = await buildSeller(app, s);
    for (let i = 0; i < 3; i += 1) {
      const order = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
      await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    }
    const results = await Promise.all(Array.from({ length: 10 }, () => app.http.post('/api/v1/payouts').set(seller.auth).send({ shopId: s.shop.id, amount: 10_000, ...ovo })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 409, 409, 409, 409, 409, 409]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 2_000, reserved: 40_000 });
  }, 60_000);

  it('without any lock: 20 concurrent sales by one reseller all book their commission (seat collisions retry)', async () => {
    mockLocksOff = true;
    const s = await buildSalesShop(app, { holdDays: 7 }, { price: 200_000, stock: 100 });
    const seller = await buildSeller(app, s);
    const sales = await Promise.all(Array.from({ length: 20 }, () => checkout(app, s.product.id, { ref: seller.code })));
    expect(sales.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 201));
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 20 * 14_000 });
    const seats = (await LedgerEntryModel.find({ resellerId: seller.user.id }).lean()).map((e) => e.seq).sort((a, b) => a - b);
    expect(seats).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  }, 60_000);
});
