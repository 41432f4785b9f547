import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildReseller } from '../../../test/factories';
import { buildSalesShop, buildSeller, checkout, setStatus } from '../../../test/sales';
import { ProductModel } from '../../models/Product';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const tokenOf = (reviewUrl: string): string => decodeURIComponent(reviewUrl.split('token=')[1]!);
const rating = async (productId: string) => {
  const p = (await ProductModel.findById(productId).lean())!;
  return { count: p.ratingCount, sum: p.ratingSum };
};

describe('reviews', () => {
  it('a buyer with a fulfilled order reviews once (verified purchase); the owner can hide it and the rating follows', async () => {
    const s = await buildSalesShop(app);
    const order = (await checkout(app, s.product.id)).body.data;
    const token = tokenOf(order.reviewUrl);
    const early = await app.http.post(`/api/v1/products/${s.product.id}/reviews`).send({ rating: 5, text: 'Enak!', reviewToken: token });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('ORDER_NOT_FULFILLED');
    await setStatus(app, s.owner, order.id, 'paid', 'fulfilled');
    const res = await app.http.post(`/api/v1/products/${s.product.id}/reviews`).send({ rating: 5, text: 'Enak, pedasnya pas!', reviewToken: token });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ rating: 5, verifiedPurchase: true, author: 'buyer', authorName: 'Siti', hidden: false });
    const twice = await app.http.post(`/api/v1/products/${s.product.id}/reviews`).send({ rating: 1, text: 'again', reviewToken: token });
    expect(twice.status).toBe(409);
    const wrong = await app.http.post(`/api/v1/products/${s.product.id}/reviews`).send({ rating: 1, text: 'spam', reviewToken: 'not-a-real-token-123' });
    expect(wrong.status).toBe(403);
    const anonymous = await app.http.post(`/api/v1/products/${s.product.id}/reviews`).send({ rating: 1, text: 'spam' });
    expect(anonymous.status).toBe(401);

    const seller = await buildSeller(app, s);
    const byReseller = await app.http.post(`/api/v1/products/${s.product.id}/reviews`).set(seller.auth).send({ rating: 3, text: 'Laris di grup saya' });
    expect(byReseller.body.data).toMatchObject({ author: 'reseller', verifiedPurchase: false });
    const outsider = await buildReseller(app);
    expect((await app.http.post(`/api/v1/products/${s.product.id}/reviews`).set(outsider.auth).send({ rating: 1, text: 'x' })).status).toBe(403);
    expect(await rating(s.product.id)).toEqual({ count: 2, sum: 8 });

    const hide = () => app.http.patch(`/api/v1/reviews/${byReseller.body.data.id}`).set(s.owner.auth).send({ hidden: true });
    await Promise.all([hide(), hide(), hide()]);
    expect(await rating(s.product.id)).toEqual({ count: 1, sum: 5 });
    const publicList = await app.http.get(`/api/v1/products/${s.product.id}/reviews`);
    expect(publicList.body.data.map((r: { id: string }) => r.id)).toEqual([res.body.data.id]);
    const ownerList = await app.http.get(`/api/v1/products/${s.product.id}/reviews`).set(s.owner.auth);
    expect(ownerList.body.data).toHaveLength(2);
    expect((await app.http.patch(`/api/v1/reviews/${res.body.data.id}`).set(seller.auth).send({ hidden: true })).status).toBe(403);
  });
});
