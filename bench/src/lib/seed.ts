import crypto from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { UNAMBIGUOUS_ALPHABET } from '../../../server/src/lib/codes';
import { connectDatabase } from '../../../server/src/db/connection';
import { uriWithDatabase } from '../../../server/src/db/engine';
import { UserModel } from '../../../server/src/models/User';
import { ShopModel } from '../../../server/src/models/Shop';
import { ProductModel } from '../../../server/src/models/Product';
import { MembershipModel } from '../../../server/src/models/Membership';
import { LinkModel, linkScopeKey } from '../../../server/src/models/Link';

export const DB_NAME = 'tular';

export interface SeededShop {
  shopId: string;
  ownerId: string;
  productId: string;
}

export interface Seeded {
  shops: SeededShop[];
  /** Codes the load is spread over (10,000 by default). */
  loadCodes: string[];
  /** Per probe shop, a link nobody else clicks: the fan-out benchmark times clicks on these. */
  probes: Array<{ shop: SeededShop; code: string }>;
  resellers: Array<{ id: string; segment: 'buzzer' | 'influencer' | 'follower' }>;
}

function code(): string {
  const bytes = crypto.randomBytes(10);
  let out = '';
  for (const b of bytes) out += UNAMBIGUOUS_ALPHABET[b % UNAMBIGUOUS_ALPHABET.length];
  return out;
}

export async function connectSeeder(uri: string): Promise<void> {
  await connectDatabase(uriWithDatabase(uri, DB_NAME));
}

/**
 * Seeds shops (one owner each, one product each), resellers approved in every shop, and links
 * through the models (so required fields and indexes are the server's own), in bulk inserts.
 * `probeShops` extra shops get one link each that the load never touches.
 */
export async function seed(opts: { links: number; shops: number; probeShops: number; stock: number }): Promise<Seeded> {
  const now = new Date();
  const resellerCount = Math.max(1, Math.ceil(opts.links / opts.shops));
  const segments = ['buzzer', 'influencer', 'follower'] as const;
  const totalShops = opts.shops + opts.probeShops;
  const owners = Array.from({ length: totalShops }, (_, i) => ({
    _id: new Types.ObjectId(),
    name: `Pemilik ${i}`,
    email: `owner${i}.${crypto.randomBytes(3).toString('hex')}@bench.id`,
    phone: `08129${String(i).padStart(7, '0')}`,
    passwordHash: 'bench-not-a-real-hash',
    role: 'owner',
    inviteCode: code(),
  }));
  const resellers = Array.from({ length: resellerCount }, (_, i) => ({
    _id: new Types.ObjectId(),
    name: `Reseller ${i}`,
    email: `reseller${i}.${crypto.randomBytes(3).toString('hex')}@bench.id`,
    phone: `08131${String(i).padStart(7, '0')}`,
    passwordHash: 'bench-not-a-real-hash',
    role: 'reseller',
    segment: segments[i % 3]!,
    inviteCode: code(),
  }));
  await UserModel.insertMany([...owners, ...resellers], { ordered: false });

  const shops = owners.map((o, i) => ({
    _id: new Types.ObjectId(),
    ownerId: o._id,
    name: `Toko Bench ${i}`,
    slug: `bench-${i}-${crypto.randomBytes(2).toString('hex')}`,
    whatsapp: '+6281234567890',
    city: 'Malang',
  }));
  await ShopModel.insertMany(shops, { ordered: false });
  const products = shops.map((s, i) => ({ _id: new Types.ObjectId(), shopId: s._id, name: `Keripik ${i}`, price: 25_000, stock: opts.stock }));
  await ProductModel.insertMany(products, { ordered: false });

  const memberships = shops.flatMap((s) =>
    resellers.map((r) => ({ shopId: s._id, resellerId: r._id, status: 'approved', segment: r.segment, joinedAt: now, decidedAt: now })),
  );
  for (let i = 0; i < memberships.length; i += 2000) await MembershipModel.insertMany(memberships.slice(i, i + 2000), { ordered: false });

  const linkDocs: Array<Record<string, unknown>> = [];
  const loadCodes: string[] = [];
  const probes: Seeded['probes'] = [];
  for (let i = 0; i < opts.links; i += 1) {
    const s = i % opts.shops;
    const r = Math.floor(i / opts.shops) % resellerCount;
    const c = code();
    loadCodes.push(c);
    linkDocs.push(linkDoc(c, resellers[r]!._id, shops[s]!._id, products[s]!._id));
  }
  const seededShops: SeededShop[] = shops.map((s, i) => ({ shopId: String(s._id), ownerId: String(s.ownerId), productId: String(products[i]!._id) }));
  for (let p = 0; p < opts.probeShops; p += 1) {
    const s = opts.shops + p;
    const c = code();
    probes.push({ shop: seededShops[s]!, code: c });
    // A channel no load link uses keeps the scope key unique.
    linkDocs.push(linkDoc(c, resellers[0]!._id, shops[s]!._id, products[s]!._id, 'telegram'));
  }
  for (let i = 0; i < linkDocs.length; i += 2000) await LinkModel.insertMany(linkDocs.slice(i, i + 2000), { ordered: false });
  return { shops: seededShops, loadCodes, probes, resellers: resellers.map((r) => ({ id: String(r._id), segment: r.segment })) };
}

function linkDoc(c: string, resellerId: Types.ObjectId, shopId: Types.ObjectId, productId: Types.ObjectId, channel = 'whatsapp'): Record<string, unknown> {
  return {
    code: c,
    resellerId,
    shopId,
    productId,
    channel,
    destination: 'page',
    active: true,
    scopeKey: linkScopeKey({ resellerId: String(resellerId), shopId: String(shopId), productId: String(productId), channel, destination: 'page' }),
  };
}

export async function disconnectSeeder(): Promise<void> {
  await mongoose.disconnect();
}

export const db = (): mongoose.mongo.Db => mongoose.connection.db!;
