import fc from 'fast-check';
import mongoose from 'mongoose';
import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, buyer, earnings, type Seller } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { ProductModel } from '../../models/Product';
import { OrderModel } from '../../models/Order';
import { createOrder } from '../orders/orderCreator';
import { transitionOrder } from '../orders/orderTransitioner';
import { requestPayout } from '../payouts/payoutRequester';
import { decidePayout } from '../payouts/payoutDecider';
import { runOnce as releaseDue } from '../../jobs/holdReleaser';
import { AppError } from '../../lib/errors';
import { balancesBy, sumEntries, BUCKETS } from './ledgerWriter';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

type Op =
  | { kind: 'order'; seller: number; quantity: number; attributed: boolean }
  | { kind: 'move'; order: number; to: 'paid' | 'fulfilled' | 'cancelled' | 'refunded' }
  | { kind: 'advance'; order: number }
  | { kind: 'release'; days: number }
  | { kind: 'payout'; seller: number; amount: number; copies: number }
  | { kind: 'decide'; payout: number; to: 'approved' | 'paid' | 'rejected' };

// Weighted so walks reach fulfilment, release and payouts, not only fresh orders.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('order' as const), seller: fc.nat(1), quantity: fc.integer({ min: 1, max: 4 }), attributed: fc.integer({ min: 0, max: 4 }).map((n) => n > 0) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), order: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), order: fc.nat(20), to: fc.constantFrom('paid' as const, 'fulfilled' as const, 'cancelled' as const, 'refunded' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), days: fc.constantFrom(0, 3, 8) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('payout' as const), seller: fc.nat(1), amount: fc.integer({ min: 1_000, max: 20_000 }), copies: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('decide' as const), payout: fc.nat(10), to: fc.constantFrom('approved' as const, 'paid' as const, 'rejected' as const) }) },
);

/** Client errors are expected moves in a random walk (invalid transition, no stock, no balance). */
async function tolerate<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return null;
    throw err;
  }
}

describe('ledger invariants under random operations', () => {
  it('balances equal the sum of entries (every way of computing them) and no payout ever took available below zero', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0 as const, 7 as const), fc.array(opArb, { minLength: 10, maxLength: 40 }), async (holdDays, ops) => {
        const s = await buildSalesShop(app, { holdDays, minPayout: 1_000 }, { price: 100_000, stock: 60 });
        const upline = await buildSeller(app, s);
        const down = await buildSeller(app, s, { invite: upline.user.inviteCode });
        const sellers: Seller[] = [upline, down];
        const orderIds: mongoose.Types.ObjectId[] = [];
        const payoutIds: string[] = [];
        let clock = Date.now();

        for (const op of ops) {
          if (op.kind === 'order') {
            const created = await tolerate(
              createOrder(app.deps, {
                source: 'checkout',
                productId: s.product.id,
                quantity: op.quantity,
                buyer: buyer(),
                ...(op.attributed ? { ref: sellers[op.seller]!.code } : {}),
              }),
            );
            if (created) orderIds.push(created.order._id);
          } else if (op.kind === 'move' && orderIds.length) {
            const id = orderIds[op.order % orderIds.length]!;
            await tolerate(transitionOrder(app.deps, { orderId: id, to: op.to, now: new Date(clock) }));
          } else if (op.kind === 'advance' && orderIds.length) {
            const id = orderIds[op.order % orderIds.length]!;
            const current = await OrderModel.findById(id, { status: 1 }).lean();
            if (current?.status === 'pending') await transitionOrder(app.deps, { orderId: id, to: 'paid', now: new Date(clock) });
            if (current?.status === 'pending' || current?.status === 'paid') await transitionOrder(app.deps, { orderId: id, to: 'fulfilled', now: new Date(clock) });
          } else if (op.kind === 'release') {
            clock += op.days * 86_400_000;
            await releaseDue(app.deps, new Date(clock));
          } else if (op.kind === 'payout') {
            const seller = sellers[op.seller]!;
            const made = await Promise.all(
              Array.from({ length: op.copies }, () =>
                tolerate(requestPayout(app.deps, seller.user.id, { shopId: s.shop.id, amount: op.amount, method: 'ovo', account: { name: 'R', number: '+6281234567890' } })),
              ),
            );
            for (const p of made) if (p) payoutIds.push(String(p._id));
          } else if (op.kind === 'decide' && payoutIds.length) {
            await tolerate(decidePayout(app.deps, payoutIds[op.payout % payoutIds.length]!, op.to === 'paid' ? { status: 'paid', reference: 'TRF' } : { status: op.to }));
          }
        }

        const shopId = new mongoose.Types.ObjectId(s.shop.id);
        const byReseller = await balancesBy({ shopId }, 'resellerId');
        for (const seller of sellers) {
          const entries = await LedgerEntryModel.find({ shopId, resellerId: seller.user.id }).sort({ _id: 1 }).lean();
          const reference = sumEntries(entries);
          // Three ways: in-code fold, the grouped reader, the API.
          expect(byReseller.get(seller.user.id) ?? sumEntries([])).toEqual(reference);
          const api = await earnings(app, seller, s.shop.id);
          for (const b of BUCKETS) expect(api[b]).toBe(reference[b]);
          // What was earned overall is what sits in the buckets.
          expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(BUCKETS.reduce((sum, b) => sum + reference[b], 0));
          // Replay in order: a payout reserve never finds less available than it takes.
          let available = 0;
          for (const e of entries) {
            if (e.kind === 'payout_reserve') expect(available + (e.deltas?.available ?? 0)).toBeGreaterThanOrEqual(0);
            available += e.deltas?.available ?? 0;
          }
          for (const b of ['pending', 'approved', 'reserved', 'paid'] as const) expect(reference[b]).toBeGreaterThanOrEqual(0);
        }
        // Stock: what is left plus what standing orders hold is what the owner listed.
        const product = (await ProductModel.findById(s.product.id).lean())!;
        const standing = await OrderModel.find({ productId: s.product.id, status: { $in: ['pending', 'paid', 'fulfilled'] } }, { quantity: 1 }).lean();
        expect(product.stock + standing.reduce((n, o) => n + o.quantity, 0)).toBe(60);
      }),
      { numRuns: 20 },
    );
  }, 240_000);
});
