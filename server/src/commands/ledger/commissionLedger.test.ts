import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, checkout, earnings, setStatus } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { ProductModel } from '../../models/Product';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const zero = { pending: 0, approved: 0, available: 0, reserved: 0, paid: 0 };

/** A Rp 200.000 sale at 7% (Rp 14.000 commission) by a fresh reseller, in a shop with the given hold. */
async function sale(holdDays: 0 | 7) {
  const s = await buildSalesShop(app, { holdDays }, { price: 200_000, stock: 10 });
  const seller = await buildSeller(app, s);
  const order = (await checkout(app, s.product.id, { ref: seller.code })).body.data as { id: string };
  return { s, seller, order };
}

const entriesOf = async (orderId: string) => (await LedgerEntryModel.find({ orderId }).sort({ seq: 1 }).lean()).map((e) => ({ kind: e.kind, amount: e.amount, deltas: e.deltas }));

describe('cancelled and refunded orders void commission nobody was paid', () => {
  it.each(['cancelled', 'refunded'] as const)('paid → %s: the pending commission is voided, stock comes back, net zero', async (to) => {
    const { s, seller, order } = await sale(7);
    await setStatus(app, s.owner, order.id, 'paid');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 14_000 });
    await setStatus(app, s.owner, order.id, to);
    await setStatus(app, s.owner, order.id, to); // a retry changes nothing
    expect(await entriesOf(order.id)).toEqual([
      { kind: 'accrue', amount: 14_000, deltas: expect.objectContaining({ pending: 14_000 }) },
      { kind: 'void', amount: -14_000, deltas: expect.objectContaining({ pending: -14_000, available: 0 }) },
    ]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject(zero);
    expect((await ProductModel.findById(s.product.id).lean())!.stock).toBe(10);
  });

  it('fulfilled (still on hold) → refunded: voided from approved', async () => {
    const { s, seller, order } = await sale(7);
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled', 'refunded');
    expect((await entriesOf(order.id)).map((e) => [e.kind, e.amount])).toEqual([
      ['accrue', 14_000],
      ['approve', 0],
      ['void', -14_000],
    ]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject(zero);
  });

  it('released but not drawn on by any payout → refunded: voided from available, not reversed', async () => {
    const { s, seller, order } = await sale(0);
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000 });
    await setStatus(app, s.owner, order.id, 'refunded');
    expect((await entriesOf(order.id)).map((e) => [e.kind, e.amount, e.deltas?.available])).toEqual([
      ['accrue', 14_000, 0],
      ['approve', 0, 0],
      ['release', 0, 14_000],
      ['void', -14_000, -14_000],
    ]);
    expect(await earnings(app, seller, s.shop.id)).toMatchObject(zero);
  });

  it('a fulfilled order cannot be cancelled (409 INVALID_TRANSITION naming what is allowed); the commission stays', async () => {
    const { s, seller, order } = await sale(0);
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    const res = await app.http.patch(`/api/v1/orders/${order.id}`).set(s.owner.auth).send({ status: 'cancelled' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'fulfilled', to: 'cancelled', allowed: ['refunded'] } });
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ available: 14_000 });
  });
});
