import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildReseller } from '../../../test/factories';
import { buildSalesShop, buildSeller, buyer, checkout, earnings } from '../../../test/sales';
import { LinkModel, linkScopeKey } from '../../models/Link';
import { MembershipModel } from '../../models/Membership';
import { KeyPointerModel } from '../../models/KeyPointer';
import { UserModel } from '../../models/User';
import { forgetLinkCodeMemo } from '../links/linkByCode';
import { forgetMembershipMemo } from '../memberships/membershipOf';

useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});
afterEach(() => jest.restoreAllMocks());

/** What an instance that never saw these codes or members knows: nothing in memory. */
const restartedInstance = (): void => {
  forgetLinkCodeMemo();
  forgetMembershipMemo();
};

describe('checkout finds the referral by code without trusting what it remembers', () => {
  it('a code remembered from an earlier sale earns nothing once its link is switched off or its reseller blocked', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toMatchObject({ resellerId: seller.user.id });
    await app.http.patch(`/api/v1/links/${seller.linkId}`).set(seller.auth).send({ active: false });
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toBeNull();
    await app.http.patch(`/api/v1/links/${seller.linkId}`).set(seller.auth).send({ active: true });
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toMatchObject({ resellerId: seller.user.id });

    const list = await app.http.get(`/api/v1/shops/${s.shop.id}/resellers`).set(s.owner.auth);
    const membership = (list.body.data as Array<{ id: string; resellerId: string }>).find((m) => m.resellerId === seller.user.id)!;
    await app.http.patch(`/api/v1/memberships/${membership.id}`).set(s.owner.auth).send({ status: 'blocked' });
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toBeNull();
    expect(await earnings(app, seller, s.shop.id)).toMatchObject({ pending: 2 * 1_750 });
  });

  it('links and memberships stored without pointers (imported in bulk) attribute, and are found by _id afterwards', async () => {
    const s = await buildSalesShop(app);
    const reseller = await buildReseller(app);
    await MembershipModel.create({ shopId: s.shop.id, resellerId: reseller.user.id, status: 'approved', segment: 'follower' });
    const fields = { resellerId: reseller.user.id, shopId: s.shop.id, productId: s.product.id, channel: 'whatsapp', destination: 'page' };
    const link = await LinkModel.create({ ...fields, code: 'IMPORTED1', scopeKey: linkScopeKey(fields) });
    restartedInstance();
    expect((await checkout(app, s.product.id, { ref: 'IMPORTED1' })).body.data.attribution).toMatchObject({ resellerId: reseller.user.id, linkId: String(link._id) });
    expect(await KeyPointerModel.findById('link-code:IMPORTED1').lean()).toMatchObject({ target: link._id });
    // The next instance reads the pointers: no filter query over links or memberships.
    restartedInstance();
    const linkScan = jest.spyOn(LinkModel, 'findOne');
    const memberScan = jest.spyOn(MembershipModel, 'findOne');
    expect((await checkout(app, s.product.id, { ref: 'IMPORTED1' })).body.data.attribution).toMatchObject({ resellerId: reseller.user.id });
    // (findById goes through findOne with a bare `_id` filter: that is the index lookup.)
    const filters = [...linkScan.mock.calls, ...memberScan.mock.calls].map(([filter]) => Object.keys(filter ?? {}));
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.filter((keys) => keys.join() !== '_id')).toEqual([]);
  });

  it('a pointer naming another link is not trusted: the sale goes to the code’s own reseller, and the pointer is repaired', async () => {
    const s = await buildSalesShop(app);
    const [right, wrong] = [await buildSeller(app, s), await buildSeller(app, s, { segment: 'buzzer' })];
    await KeyPointerModel.updateOne({ _id: `link-code:${right.code}` }, { $set: { target: wrong.linkId } });
    restartedInstance();
    expect((await checkout(app, s.product.id, { ref: right.code })).body.data.attribution).toMatchObject({ resellerId: right.user.id, linkId: right.linkId });
    expect(String((await KeyPointerModel.findById(`link-code:${right.code}`).lean())!.target)).toBe(right.linkId);
  });

  it('another shop’s code is no referral here: checkout ignores it, the owner’s typed code is refused', async () => {
    const here = await buildSalesShop(app);
    const there = await buildSalesShop(app);
    const seller = await buildSeller(app, there);
    expect((await checkout(app, here.product.id, { ref: seller.code })).body.data.attribution).toBeNull();
    const typed = await app.http.post(`/api/v1/shops/${here.shop.id}/orders`).set(here.owner.auth).send({ productId: here.product.id, quantity: 1, buyer: buyer(), ref: seller.code });
    expect(typed.status).toBe(400);
    expect(typed.body.error.code).toBe('REFERRAL_CODE_UNKNOWN');
  });

  it('the reseller’s phone and upline, fixed at registration, are read once: a later sale by the same reseller reads no user and is still checked for self-referral', async () => {
    const s = await buildSalesShop(app);
    const seller = await buildSeller(app, s);
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toMatchObject({ resellerId: seller.user.id });
    const userReads = jest.spyOn(UserModel, 'findOne');
    expect((await checkout(app, s.product.id, { ref: seller.code })).body.data.attribution).toMatchObject({ resellerId: seller.user.id });
    const own = await checkout(app, s.product.id, { ref: seller.code, buyer: { ...buyer(), phone: seller.user.phone } });
    expect(own.body.data.attribution).toBeNull();
    expect(userReads).not.toHaveBeenCalled();
  });
});
