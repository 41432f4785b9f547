import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop } from '../../../test/factories';
import { LinkModel } from '../../models/Link';
import { linkCodes } from './linkCreator';

useTestDatabase();
const app = buildTestApp({ publicUrl: 'https://tular.test' });
afterAll(() => app.redirect.close());

describe('link code clashes', () => {
  it('draws a new code when the first one is taken, and both links keep working', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const [p1, p2] = [await buildProduct(app, owner, shop.id), await buildProduct(app, owner, shop.id)];
    const reseller = await buildReseller(app);
    await joinShop(app, reseller, shop.id, owner);
    const first = (await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: p1.id }).expect(201)).body.data as { id: string; code: string };

    // The next draw repeats the existing code once; the real generator supplies the retry.
    const draw = jest.spyOn(linkCodes, 'next').mockReturnValueOnce(first.code);
    try {
      const res = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: p2.id });
      expect(res.status).toBe(201);
      expect(draw).toHaveBeenCalledTimes(2);
      const second = res.body.data as { id: string; code: string; productId: string };
      expect(second.code).not.toBe(first.code);
      expect(second.code).toMatch(/^[2-9a-hjkmnp-zA-HJ-NP-Z]{8}$/);
      expect(second.productId).toBe(p2.id);
    } finally {
      draw.mockRestore();
    }
    // The clash did not touch the existing link, and each code leads to its own product.
    expect(await LinkModel.countDocuments({ code: first.code })).toBe(1);
    const links = await LinkModel.find({ shopId: shop.id }).lean();
    expect(new Set(links.map((l) => l.code)).size).toBe(2);
    const [a, b] = await Promise.all(links.map((l) => app.http.get(`/r/${l.code}`).set('User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Safari/604.1')));
    expect(new Set([a!.headers.location, b!.headers.location])).toEqual(new Set(links.map((l) => `https://tular.test/p/${String(l.productId)}?ref=${l.code}`)));
  });
});
