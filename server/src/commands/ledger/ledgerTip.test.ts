import mongoose from 'mongoose';
import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, checkout, earnings, type SalesShop, type Seller } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { LedgerTipModel } from '../../models/LedgerTip';
import { appendEntry, backfillLedgerTips, forgetKnownTips } from './ledgerWriter';
import { flushTipHints } from './tipHints';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});
afterEach(() => jest.restoreAllMocks());

const seatsOf = async (seller: Seller, s: SalesShop): Promise<number[]> =>
  (await LedgerEntryModel.find({ resellerId: seller.user.id, shopId: s.shop.id }, { seq: 1 }).sort({ seq: 1 }).lean()).map((e) => e.seq);
const tipOf = async (seller: Seller, s: SalesShop): Promise<number | undefined> => {
  await flushTipHints();
  return (await LedgerTipModel.findById(`${seller.user.id}:${s.shop.id}`).lean())?.seq;
};
const sell = async (s: SalesShop, seller: Seller): Promise<void> => {
  expect((await checkout(app, s.product.id, { ref: seller.code })).status).toBe(201);
};

describe('the ledger tip hint', () => {
  it('follows the account’s seats; a hint left behind by a crash or lost still books the next sale at the next seat', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    for (let i = 0; i < 3; i += 1) await sell(s, seller);
    expect(await seatsOf(seller, s)).toEqual([1, 2, 3]);
    expect(await tipOf(seller, s)).toBe(3);

    // The writer of seat 3 died before raising the hint, and this instance restarted.
    await LedgerTipModel.updateOne({ _id: `${seller.user.id}:${s.shop.id}` }, { $set: { seq: 1 } });
    forgetKnownTips();
    await sell(s, seller);
    expect(await seatsOf(seller, s)).toEqual([1, 2, 3, 4]);
    expect(await tipOf(seller, s)).toBe(4);

    // No hint at all (an account older than the hints).
    await LedgerTipModel.deleteOne({ _id: `${seller.user.id}:${s.shop.id}` });
    forgetKnownTips();
    await sell(s, seller);
    expect(await seatsOf(seller, s)).toEqual([1, 2, 3, 4, 5]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 5 * 1_750 });
  });

  it('is written behind the entries on its own, within a moment, the highest seat of the burst', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    await Promise.all(Array.from({ length: 4 }, () => sell(s, seller)));
    const stored = async (): Promise<number | undefined> => (await LedgerTipModel.findById(`${seller.user.id}:${s.shop.id}`).lean())?.seq;
    const deadline = Date.now() + 3000;
    while ((await stored()) !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(4);
  });

  it('seats another instance took behind this one’s back are never shared or skipped', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    await sell(s, seller);
    // Another instance appended seats 2 and 3 and died before raising the hint.
    for (const seq of [2, 3]) {
      await LedgerEntryModel.create({
        resellerId: seller.user.id,
        shopId: s.shop.id,
        orderId: new mongoose.Types.ObjectId(),
        kind: 'accrue',
        role: 'reseller',
        amount: 100,
        deltas: { pending: 100 },
        idempotencyKey: `other-instance:${String(new mongoose.Types.ObjectId())}`,
        seq,
      });
    }
    // Sales at once, through this instance (which still believes seat 1 is the tip).
    await Promise.all(Array.from({ length: 6 }, () => sell(s, seller)));
    expect(await seatsOf(seller, s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 7 * 1_750 + 200 });
  });

  it('a replayed entry is a no-op wherever the hint points', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    await sell(s, seller);
    const entry = { resellerId: seller.user.id, shopId: s.shop.id, orderId: new mongoose.Types.ObjectId(), kind: 'accrue' as const, role: 'reseller' as const, amount: 500, deltas: { pending: 500 }, idempotencyKey: `replay:${seller.user.id}` };
    expect((await appendEntry(entry)).created).toBe(true);
    forgetKnownTips();
    await flushTipHints();
    await LedgerTipModel.deleteOne({ _id: `${seller.user.id}:${s.shop.id}` });
    const again = await appendEntry(entry);
    expect(again.created).toBe(false);
    expect(again.entry?.seq).toBe(2);
    expect(await seatsOf(seller, s)).toEqual([1, 2]);
  });

  it('the backfill sets every account’s hint to its tip', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    for (let i = 0; i < 2; i += 1) await sell(s, seller);
    await flushTipHints();
    await LedgerTipModel.deleteOne({ _id: `${seller.user.id}:${s.shop.id}` });
    await backfillLedgerTips();
    expect(await tipOf(seller, s)).toBe(2);
  });
});
