import type { Product, Segment, Shop, ShopCreateInput } from '@tular/shared';
import { signAttribution } from '../src/lib/attributionCookie';
import type { TestApp } from './harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, type Registered } from './factories';

/** Fixtures for the sales, ledger and payout tests: a shop with a product, resellers with links. */
export interface SalesShop {
  owner: Registered;
  shop: Shop;
  product: Product;
}

export async function buildSalesShop(
  app: TestApp,
  shop: Partial<ShopCreateInput> = {},
  product: { price?: number; stock?: number; commission?: ShopCreateInput['commission'] } = {},
): Promise<SalesShop> {
  const owner = await buildOwner(app);
  const s = await buildShop(app, owner, shop);
  const p = await buildProduct(app, owner, s.id, { price: product.price ?? 25_000, stock: product.stock ?? 100, ...(product.commission ? { commission: product.commission } : {}) });
  return { owner, shop: s, product: p };
}

export interface Seller extends Registered {
  code: string;
  linkId: string;
}

/** An approved reseller of the shop with a link to the product. */
export async function buildSeller(app: TestApp, s: SalesShop, opts: { segment?: Segment; invite?: string } = {}): Promise<Seller> {
  const reseller = await buildReseller(app, { segment: opts.segment ?? 'follower', ...(opts.invite ? { invite: opts.invite } : {}) });
  await joinShop(app, reseller, s.shop.id, s.owner);
  const res = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: s.product.id, channel: 'whatsapp' });
  if (res.status !== 201 && res.status !== 200) throw new Error(`link failed ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...reseller, code: res.body.data.code as string, linkId: res.body.data.id as string };
}

let phoneSeq = 0;
export function buyerPhone(): string {
  phoneSeq += 1;
  return `0857${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(5, '0')}`;
}

export function buyer(): { name: string; phone: string; address: string } {
  return { name: 'Siti Pembeli', phone: buyerPhone(), address: 'Jl. Ijen 1, Malang' };
}

export function attributionCookie(app: TestApp, seller: Seller, shopId: string, clickedAt = new Date()): string {
  const value = signAttribution({ linkId: seller.linkId, code: seller.code, resellerId: seller.user.id, shopId, clickedAt }, app.deps.config.cookieSecret);
  return `tular_ref=${value}`;
}

export async function checkout(app: TestApp, productId: string, body: Record<string, unknown> = {}, cookie?: string) {
  const req = app.http.post('/api/v1/checkout');
  if (cookie) req.set('Cookie', cookie);
  return req.send({ productId, quantity: 1, buyer: buyer(), ...body });
}

export async function setStatus(app: TestApp, owner: Registered, orderId: string, ...statuses: string[]) {
  let last;
  for (const status of statuses) {
    last = await app.http.patch(`/api/v1/orders/${orderId}`).set(owner.auth).send({ status });
    if (last.status !== 200) throw new Error(`transition to ${status} failed ${last.status}: ${JSON.stringify(last.body)}`);
  }
  return last!;
}

export interface EarningsRow {
  shopId: string;
  pending: number;
  approved: number;
  available: number;
  reserved: number;
  paid: number;
}

export async function earnings(app: TestApp, reseller: Registered, shopId: string): Promise<EarningsRow> {
  const res = await app.http.get('/api/v1/me/earnings').set(reseller.auth);
  if (res.status !== 200) throw new Error(`earnings failed ${res.status}`);
  const row = (res.body.data as EarningsRow[]).find((r) => r.shopId === shopId);
  return row ?? { shopId, pending: 0, approved: 0, available: 0, reserved: 0, paid: 0 };
}
