import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, checkout, setStatus, type SalesShop, type Seller } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { OrderModel } from '../../models/Order';
import { FulfilledSalesModel } from '../../models/FulfilledSales';
import { monthRange } from '../../rollups/buckets';
import { transitionOrder } from './orderTransitioner';
import { backfillFulfilledSales, countFulfilledSale } from './fulfilledSales';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const MINUTE = 60_000;
/** A Rp 100.000 month earns +2% on top of the follower's 7%. */
const tiered = { type: 'percent' as const, bySegment: { buzzer: 500, influencer: 1000, follower: 700 }, tiers: [{ minMonthlySales: 100_000, bonusBp: 200 }], uplineBp: 0 };

async function tieredShop(shop: Parameters<typeof buildSalesShop>[1] = {}, minMonthlySales = 100_000): Promise<{ s: SalesShop; seller: Seller }> {
  const s = await buildSalesShop(app, { commission: { ...tiered, tiers: [{ minMonthlySales, bonusBp: 200 }] }, ...shop }, { price: 50_000 });
  return { s, seller: await buildSeller(app, s) };
}

/** A new paid sale through the seller's code. */
async function paidSale(s: SalesShop, seller: Seller): Promise<string> {
  const o = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
  await setStatus(app, s.owner, o.id, 'paid');
  return o.id as string;
}

/** The tier bonus the seller's next sale is booked with. */
async function nextBonus(s: SalesShop, seller: Seller): Promise<number | null | undefined> {
  const o = (await checkout(app, s.product.id, { ref: seller.code })).body.data;
  return (await LedgerEntryModel.findOne({ orderId: o.id, kind: 'accrue' }).lean())!.bonusBp;
}

describe('the month’s fulfilled sales behind the volume tier', () => {
  it('fulfilments at the same moment all count: the tier is reached', async () => {
    const { s, seller } = await tieredShop({}, 10 * 50_000);
    const sales: string[] = [];
    for (let i = 0; i < 10; i += 1) sales.push(await paidSale(s, seller));
    expect(await nextBonus(s, seller)).toBe(0);
    const done = await Promise.all(sales.map((id) => app.http.patch(`/api/v1/orders/${id}`).set(s.owner.auth).send({ status: 'fulfilled' })));
    expect(done.map((r) => r.status)).toEqual(sales.map(() => 200));
    expect(await nextBonus(s, seller)).toBe(200); // 10 × Rp 50.000 this month: not one lost
  });

  it('a refund after fulfilment takes the sale out; replayed fulfilments and refunds never count it again', async () => {
    const { s, seller } = await tieredShop();
    const [a, b] = [await paidSale(s, seller), await paidSale(s, seller)];
    await setStatus(app, s.owner, a, 'fulfilled');
    await setStatus(app, s.owner, b, 'fulfilled');
    expect(await nextBonus(s, seller)).toBe(200);
    await setStatus(app, s.owner, b, 'refunded');
    expect(await nextBonus(s, seller)).toBe(0); // Rp 50.000 left
    // Replays: the refund again, the other sale's fulfilment again (re-applies its effects).
    await setStatus(app, s.owner, b, 'refunded');
    await setStatus(app, s.owner, a, 'fulfilled');
    expect(await nextBonus(s, seller)).toBe(0);
    // A fulfilment's effect that was still in flight when the refund landed arrives late.
    await countFulfilledSale((await OrderModel.findById(b))!);
    expect(await nextBonus(s, seller)).toBe(0);
  });

  it('counts by the shop’s time zone of today, also after the shop changes it', async () => {
    const { s, seller } = await tieredShop({ timezone: 'Asia/Jakarta' });
    const jakarta = monthRange(new Date(), 'Asia/Jakarta');
    // One minute into this month in Jakarta (still last month in UTC), and Rp 50.000 more today.
    const early = await paidSale(s, seller);
    await transitionOrder(app.deps, { orderId: early, to: 'fulfilled', now: new Date(jakarta.from.getTime() + MINUTE) });
    await setStatus(app, s.owner, await paidSale(s, seller), 'fulfilled');
    expect(await nextBonus(s, seller)).toBe(200);
    // In London this month began later: the early sale belongs to last month there.
    const moved = await app.http.patch(`/api/v1/shops/${s.shop.id}`).set(s.owner.auth).send({ timezone: 'Europe/London' });
    expect(moved.status).toBe(200);
    const london = monthRange(new Date(), 'Europe/London');
    const earlyCounts = jakarta.from.getTime() + MINUTE >= london.from.getTime();
    expect(await nextBonus(s, seller)).toBe(earlyCounts ? 200 : 0);
  });

  it('orders fulfilled before the counters existed count once the backfill ran', async () => {
    const { s, seller } = await tieredShop();
    for (const id of [await paidSale(s, seller), await paidSale(s, seller)]) await setStatus(app, s.owner, id, 'fulfilled');
    // A deployment upgraded from the version that scanned the orders has no counter documents.
    await FulfilledSalesModel.deleteMany({ shopId: s.shop.id });
    expect(await nextBonus(s, seller)).toBe(0);
    expect(await backfillFulfilledSales()).toBeGreaterThanOrEqual(2);
    expect(await nextBonus(s, seller)).toBe(200);
    // Running it again changes nothing.
    await backfillFulfilledSales();
    expect(await nextBonus(s, seller)).toBe(200);
  });
});
