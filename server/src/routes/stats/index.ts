import { z } from 'zod';
import {
  DEFAULT_TIMEZONE,
  LeaderboardQuerySchema,
  LeaderboardSchema,
  MyStatsQuerySchema,
  PreferencesUpdateSchema,
  ShopIdParamsSchema,
  ShopStatsQuerySchema,
  StatsResultSchema,
  type Leaderboard,
  type Segment,
  type StatsResult,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import type { AuthUser } from '../../lib/authUser';
import { AuthorizationError, NotFoundError } from '../../lib/errors';
import { loadOwnedShop, canManageShop } from '../../policies/shop';
import { ShopModel, type ShopDoc } from '../../models/Shop';
import { ProductModel } from '../../models/Product';
import { UserModel } from '../../models/User';
import { LinkModel } from '../../models/Link';
import { MembershipModel } from '../../models/Membership';
import { readRollups } from '../../rollups/rollupReader';
import { resolveRange } from '../../rollups/statsRange';
import { buildBreakdown, buildSeries, type BreakdownLabel } from '../../rollups/statsBuilder';
import { monthRange } from '../../rollups/buckets';
import { PUBLIC_LEADERBOARD_TITLE, publicLeaderboard, shopLeaderboard } from '../../rollups/leaderboard';

const PreferencesSchema = z.object({ leaderboardOptOut: z.boolean() });

async function labelsFor(by: 'product' | 'reseller' | 'link' | 'shop', ids: string[]): Promise<Map<string, BreakdownLabel>> {
  const labels = new Map<string, BreakdownLabel>();
  const valid = ids.filter((id) => /^[a-f0-9]{24}$/i.test(id));
  if (by === 'product') for (const p of await ProductModel.find({ _id: { $in: valid } }, { name: 1 }).lean()) labels.set(String(p._id), { label: p.name });
  if (by === 'shop') for (const s of await ShopModel.find({ _id: { $in: valid } }, { name: 1 }).lean()) labels.set(String(s._id), { label: s.name });
  if (by === 'link') for (const l of await LinkModel.find({ _id: { $in: valid } }, { code: 1 }).lean()) labels.set(String(l._id), { label: l.code });
  if (by === 'reseller') {
    for (const u of await UserModel.find({ _id: { $in: valid } }, { name: 1, segment: 1 }).lean()) {
      labels.set(String(u._id), { label: u.name, segment: (u.segment as Segment | undefined) ?? null });
    }
  }
  return labels;
}

/** The month asked for, or this month in the zone. */
function monthOf(month: string | undefined, timezone: string): string {
  return month ?? monthRange(new Date(), timezone).label;
}

/** Owners of the shop, admins and its approved resellers may see the shop's board. */
async function assertCanSeeShopBoard(user: AuthUser, shop: ShopDoc): Promise<Map<string, Segment>> {
  const members = await MembershipModel.find({ shopId: shop._id, status: 'approved' }, { resellerId: 1, segment: 1 }).lean();
  const segments = new Map(members.map((m) => [String(m.resellerId), m.segment as Segment]));
  if (!canManageShop(user, shop) && !(user.role === 'reseller' && segments.has(user.id))) {
    throw new AuthorizationError('Only the owner and approved resellers of this shop can see its leaderboard');
  }
  return segments;
}

export function registerStatsRoutes(api: ApiRouter, _deps: AppDeps): void {
  api.add({
    method: 'get',
    path: '/shops/:shopId/stats',
    summary: 'Referral stats of a shop: series, totals and an optional breakdown (from rollups)',
    tags: ['stats'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    query: ShopStatsQuerySchema,
    response: StatsResultSchema,
    handler: async ({ user, params, query }): Promise<StatsResult> => {
      const shop = await loadOwnedShop(user, params.shopId);
      const shopId = String(shop._id);
      const timezone = shop.timezone ?? DEFAULT_TIMEZONE;
      const range = resolveRange(query, timezone);
      const window = { shopId, granularity: range.granularity, from: range.from, to: range.to };
      const result: StatsResult = {
        range: { from: range.from.toISOString(), to: range.to.toISOString(), granularity: range.granularity, timezone },
        ...buildSeries(range, await readRollups({ scope: 'shop', ...window })),
      };
      if (query.by) {
        const buckets = await readRollups({ scope: query.by, ...window });
        const needsLabels = query.by === 'product' || query.by === 'reseller' || query.by === 'link';
        const labels = needsLabels ? await labelsFor(query.by as 'product' | 'reseller' | 'link', [...new Set(buckets.map((b) => b.key))]) : new Map<string, BreakdownLabel>();
        result.breakdown = buildBreakdown(buckets, labels);
      }
      return result;
    },
  });

  api.add({
    method: 'get',
    path: '/me/stats',
    summary: "A reseller's own stats across shops (by shop, product or link)",
    tags: ['stats'],
    access: ['reseller'],
    query: MyStatsQuerySchema,
    response: StatsResultSchema,
    handler: async ({ user, query }): Promise<StatsResult> => {
      const timezone = DEFAULT_TIMEZONE;
      const range = resolveRange(query, timezone);
      const window = { granularity: range.granularity, from: range.from, to: range.to };
      const mine = await readRollups({ scope: 'reseller', keys: [user.id], ...window });
      const result: StatsResult = {
        range: { from: range.from.toISOString(), to: range.to.toISOString(), granularity: range.granularity, timezone },
        ...buildSeries(range, mine),
      };
      if (query.by === 'shop') {
        const perShop = mine.map((b) => ({ ...b, key: b.shopId }));
        result.breakdown = buildBreakdown(perShop, await labelsFor('shop', [...new Set(perShop.map((b) => b.key))]));
      } else if (query.by === 'link' || query.by === 'product') {
        // Link buckets carry no reseller, so read the buckets of this reseller's own links.
        const links = await LinkModel.find({ resellerId: user.id }, { code: 1, productId: 1 }).lean();
        const buckets = links.length ? await readRollups({ scope: 'link', keys: links.map((l) => String(l._id)), ...window }) : [];
        if (query.by === 'link') {
          result.breakdown = buildBreakdown(buckets, new Map(links.map((l) => [String(l._id), { label: l.code }])));
        } else {
          const productOf = new Map(links.map((l) => [String(l._id), l.productId ? String(l.productId) : 'shop']));
          const labels = await labelsFor('product', [...new Set(productOf.values())]);
          labels.set('shop', { label: 'Seluruh toko (whole shop)' });
          result.breakdown = buildBreakdown(buckets, labels, (linkId) => productOf.get(linkId) ?? 'shop');
        }
      }
      return result;
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/leaderboard',
    summary: "The shop's top resellers this month (owner, admin and the shop's approved resellers)",
    tags: ['stats'],
    access: ['owner', 'reseller', 'admin'],
    params: ShopIdParamsSchema,
    query: LeaderboardQuerySchema,
    response: LeaderboardSchema,
    handler: async ({ user, params, query }): Promise<Leaderboard> => {
      const shop = /^[a-f0-9]{24}$/i.test(params.shopId) ? await ShopModel.findById(params.shopId) : null;
      if (!shop) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
      const segments = await assertCanSeeShopBoard(user, shop);
      const month = monthOf(query.month, shop.timezone ?? DEFAULT_TIMEZONE);
      return { month, title: `Top reseller ${shop.name}`, entries: await shopLeaderboard(String(shop._id), month, query.limit, segments) };
    },
  });

  // The public board is read by everyone's home page: answer from memory for a short while.
  const cache = new Map<string, { at: number; value: Leaderboard }>();
  const CACHE_MS = 30_000;
  api.add({
    method: 'get',
    path: '/leaderboard',
    summary: '"Pahlawan Digital UMKM": resellers with the most sales this month, platform-wide (opt-outs hidden)',
    tags: ['stats'],
    access: 'public',
    query: LeaderboardQuerySchema,
    response: LeaderboardSchema,
    handler: async ({ query }): Promise<Leaderboard> => {
      const month = monthOf(query.month, DEFAULT_TIMEZONE);
      const key = `${month}:${query.limit}`;
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
      const value: Leaderboard = { month, title: PUBLIC_LEADERBOARD_TITLE, entries: await publicLeaderboard(month, query.limit) };
      if (cache.size > 100) cache.clear();
      cache.set(key, { at: Date.now(), value });
      return value;
    },
  });

  api.add({
    method: 'patch',
    path: '/me/preferences',
    summary: 'Your preferences (e.g. hide yourself from the public leaderboard)',
    tags: ['stats'],
    access: ['owner', 'reseller', 'admin'],
    body: PreferencesUpdateSchema,
    response: PreferencesSchema,
    handler: async ({ user, body }) => {
      // updateOne, not findOneAndUpdate with a projection: FerretDB v1 does not implement that.
      const { matchedCount } = await UserModel.updateOne({ _id: user.id }, { $set: { leaderboardOptOut: body.leaderboardOptOut } });
      if (matchedCount === 0) throw new NotFoundError('User');
      // An opt-out takes effect at once on this instance (others within the cache's 30 s).
      cache.clear();
      return { leaderboardOptOut: body.leaderboardOptOut };
    },
  });
}
