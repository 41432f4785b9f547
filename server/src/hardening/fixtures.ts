import { Types } from 'mongoose';
import type { Role } from '@tular/shared';
import type { TestApp } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, type Registered } from '../../test/factories';
import { UserModel } from '../models/User';
import { OrderModel } from '../models/Order';
import { signAccessToken } from '../lib/accessTokens';

export type CallerName = 'anonymous' | 'reseller' | 'otherReseller' | 'otherOwner' | 'owner' | 'admin';
/** `otherReseller` is an approved member of the SAME shop: role and membership pass, the records are not theirs. */
export const CALLERS: CallerName[] = ['anonymous', 'reseller', 'otherReseller', 'otherOwner', 'admin', 'owner'];

export interface Fixture {
  headers: Record<CallerName, Record<string, string>>;
  roles: Record<CallerName, Role | null>;
  owner: Registered;
  otherOwner: Registered;
  reseller: Registered;
  otherReseller: Registered;
  shopId: string;
  shopSlug: string;
  otherShopId: string;
  productId: string;
  /** A product each DELETE call may remove. */
  spareProductIds: string[];
  membershipId: string;
  linkId: string;
  linkCode: string;
  orderId: string;
  reviewToken: string;
  reviewId: string | null;
  claimId: string | null;
  /** A fulfilled order of the reseller's and the payout (status `requested`) it paid for. */
  paidOrderId: string;
  payoutId: string;
  otherResellerRecords: { linkId: string; linkCode: string; claimId: string };
  missingId: string;
}

// A complete 1×1 PNG (the upload check reads its chunks).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const must = (res: { status: number; body: unknown }, ok: number[], what: string): void => {
  if (!ok.includes(res.status)) throw new Error(`${what} failed ${res.status}: ${JSON.stringify(res.body)}`);
};

/**
 * Real records through the API: two owners' shops, a product, two resellers of the same shop with a
 * link and a claim each, an attributed order, a fulfilled one whose commission is in a payout, a review.
 */
export async function buildFixture(app: TestApp): Promise<Fixture> {
  const owner = await buildOwner(app);
  const otherOwner = await buildOwner(app, { name: 'Pak Lain' });
  const reseller = await buildReseller(app);
  const otherReseller = await buildReseller(app, { name: 'Dewi Lain' });
  const admin = await UserModel.create({
    name: 'Admin Tular',
    email: `admin.${new Types.ObjectId().toHexString()}@tular.id`,
    phone: '081200000001',
    passwordHash: 'not-used-in-this-test',
    role: 'admin',
    inviteCode: new Types.ObjectId().toHexString().slice(-8),
  });
  const adminToken = signAccessToken({ id: String(admin._id), role: 'admin' }, app.deps.config.jwtSecret, 3600);
  // No hold: a fulfilled sale's commission is available at once, so a real payout can exist.
  const shop = await buildShop(app, owner, { holdDays: 0 });
  const otherShop = await buildShop(app, otherOwner);
  const product = await buildProduct(app, owner, shop.id, { stock: 1000 });
  const spare = await Promise.all([0, 1, 2, 3].map(() => buildProduct(app, owner, shop.id)));
  const membership = await joinShop(app, reseller, shop.id, owner);
  await joinShop(app, otherReseller, shop.id, owner);
  const link = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id });
  must(link, [200, 201], 'link');
  const order = await app.http
    .post('/api/v1/checkout')
    .send({ productId: product.id, quantity: 1, buyer: { name: 'Siti', phone: '081298765432', address: 'Malang' }, ref: link.body.data.code });
  must(order, [201], 'checkout');
  const orderDoc = await OrderModel.findById(order.body.data.id).lean();
  const reviewToken = String(orderDoc?.reviewToken);
  const review = await app.http.post(`/api/v1/products/${product.id}/reviews`).set(reseller.auth).send({ rating: 5, text: 'Enak sekali' });
  must(review, [201], 'review');
  const claim = await app.http
    .post('/api/v1/claims')
    .set(reseller.auth)
    .send({ productId: product.id, quantity: 1, buyer: { phone: '081298765433' } });
  if (claim.status === 201) {
    must(await app.http.post(`/api/v1/claims/${claim.body.data.id}/receipt`).set(reseller.auth).set('Content-Type', 'image/png').send(PNG), [201], 'receipt');
  }
  // 6 × Rp 25.000 at the follower's 7% = Rp 10.500 available after fulfilment; Rp 10.000 goes into a payout.
  const sale = await app.http
    .post('/api/v1/checkout')
    .send({ productId: product.id, quantity: 6, buyer: { name: 'Budi', phone: '081298765439', address: 'Batu' }, ref: link.body.data.code });
  must(sale, [201], 'checkout for the payout');
  for (const status of ['paid', 'fulfilled']) must(await app.http.patch(`/api/v1/orders/${sale.body.data.id}`).set(owner.auth).send({ status }), [200], status);
  const payout = await app.http
    .post('/api/v1/payouts')
    .set(reseller.auth)
    .send({ shopId: shop.id, amount: 10_000, method: 'gopay', account: { name: 'Rina', number: '081298765432' } });
  must(payout, [201], 'payout');
  const otherLink = await app.http.post('/api/v1/links').set(otherReseller.auth).send({ productId: product.id, channel: 'instagram' });
  must(otherLink, [200, 201], 'other link');
  const otherClaim = await app.http.post('/api/v1/claims').set(otherReseller.auth).send({ productId: product.id, quantity: 1, buyer: { phone: '081298765435' } });
  must(otherClaim, [201], 'other claim');
  return {
    headers: {
      anonymous: {},
      reseller: reseller.auth,
      otherReseller: otherReseller.auth,
      otherOwner: otherOwner.auth,
      owner: owner.auth,
      admin: { Authorization: `Bearer ${adminToken}` },
    },
    roles: { anonymous: null, reseller: 'reseller', otherReseller: 'reseller', otherOwner: 'owner', owner: 'owner', admin: 'admin' },
    owner,
    otherOwner,
    reseller,
    otherReseller,
    shopId: shop.id,
    shopSlug: shop.slug,
    otherShopId: otherShop.id,
    productId: product.id,
    spareProductIds: spare.map((p) => p.id),
    membershipId: membership.id,
    linkId: link.body.data.id,
    linkCode: link.body.data.code,
    orderId: order.body.data.id,
    reviewToken,
    reviewId: review.status === 201 ? review.body.data.id : null,
    claimId: claim.status === 201 ? claim.body.data.id : null,
    paidOrderId: sale.body.data.id,
    payoutId: payout.body.data.id,
    otherResellerRecords: { linkId: otherLink.body.data.id, linkCode: otherLink.body.data.code, claimId: otherClaim.body.data.id },
    missingId: new Types.ObjectId().toHexString(),
  };
}

/** Fills `:name` segments of a route path. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}
