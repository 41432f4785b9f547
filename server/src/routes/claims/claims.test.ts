import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildReseller } from '../../../test/factories';
import { buildSalesShop, buildSeller, buyer, earnings } from '../../../test/sales';
import { OrderModel } from '../../models/Order';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

// The smallest valid PNG header the image sniffer accepts.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

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
});
