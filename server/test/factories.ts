import crypto from 'node:crypto';
import type { AuthSession, Membership, Product, ProductCreateInput, Segment, Shop, ShopCreateInput } from '@tular/shared';
import type { TestApp } from './harness';

let seq = 0;
/** A unique, valid Indonesian mobile number per call. */
export function buildPhone(): string {
  seq += 1;
  return `0812${String(process.pid % 1000).padStart(3, '0')}${String(seq).padStart(5, '0')}`;
}

export function buildEmail(prefix = 'user'): string {
  return `${prefix}.${crypto.randomBytes(5).toString('hex')}@example.id`;
}

export interface Registered extends AuthSession {
  password: string;
  auth: { Authorization: string };
}

async function register(app: TestApp, body: Record<string, unknown>): Promise<Registered> {
  const password = 'rahasia-123';
  const res = await app.http.post('/api/v1/auth/register').send({ password, ...body });
  if (res.status !== 201) throw new Error(`register failed ${res.status}: ${JSON.stringify(res.body)}`);
  const session = res.body.data as AuthSession;
  return { ...session, password, auth: { Authorization: `Bearer ${session.accessToken}` } };
}

export function buildOwner(app: TestApp, overrides: Record<string, unknown> = {}): Promise<Registered> {
  return register(app, { name: 'Bu Albar', email: buildEmail('owner'), phone: buildPhone(), role: 'owner', ...overrides });
}

export function buildReseller(app: TestApp, overrides: Record<string, unknown> & { segment?: Segment } = {}): Promise<Registered> {
  return register(app, { name: 'Rina Reseller', email: buildEmail('reseller'), phone: buildPhone(), role: 'reseller', segment: 'follower', ...overrides });
}

let shopSeq = 0;
/** A shop owned by `owner` (created through the API); `overrides` go into the create body. */
export async function buildShop(app: TestApp, owner: Registered, overrides: Partial<ShopCreateInput> = {}): Promise<Shop> {
  shopSeq += 1;
  const slug = `toko-${process.pid}-${shopSeq}-${crypto.randomBytes(3).toString('hex')}`;
  const body: ShopCreateInput = { name: 'Aneka Makanan Albar', slug, whatsapp: '081234567890', city: 'Malang', ...overrides };
  const res = await app.http.post('/api/v1/shops').set(owner.auth).send(body);
  if (res.status !== 201) throw new Error(`buildShop failed ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data as Shop;
}

/** A product in `shopId` listed by its owner. */
export async function buildProduct(app: TestApp, owner: Registered, shopId: string, overrides: Partial<ProductCreateInput> = {}): Promise<Product> {
  const body: ProductCreateInput = { name: 'Keripik Tempe Pedas', price: 25_000, stock: 50, ...overrides };
  const res = await app.http.post(`/api/v1/shops/${shopId}/products`).set(owner.auth).send(body);
  if (res.status !== 201) throw new Error(`buildProduct failed ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data as Product;
}

/** The reseller joins the shop; under an `approval` shop, passing its owner approves the membership too. */
export async function joinShop(app: TestApp, reseller: Registered, shopId: string, owner?: Registered): Promise<Membership> {
  const res = await app.http.post(`/api/v1/shops/${shopId}/join`).set(reseller.auth);
  if (res.status !== 201 && res.status !== 200) throw new Error(`joinShop failed ${res.status}: ${JSON.stringify(res.body)}`);
  const membership = res.body.data as Membership;
  if (membership.status !== 'pending' || !owner) return membership;
  const approved = await app.http.patch(`/api/v1/memberships/${membership.id}`).set(owner.auth).send({ status: 'approved' });
  if (approved.status !== 200) throw new Error(`approving membership failed ${approved.status}: ${JSON.stringify(approved.body)}`);
  return approved.body.data as Membership;
}
