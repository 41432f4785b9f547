import { z } from 'zod';
import type { FilterQuery } from 'mongoose';
import {
  IdParamsSchema,
  MembershipSchema,
  MembershipUpdateSchema,
  MyMembershipListQuerySchema,
  MyMembershipSchema,
  ShopIdParamsSchema,
  ShopResellerListQuerySchema,
  ShopResellerSchema,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { NotFoundError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { MembershipModel, type MembershipFields } from '../../models/Membership';
import { ShopModel } from '../../models/Shop';
import { UserModel } from '../../models/User';
import { loadOwnedShop } from '../../policies/shop';
import { presentMembership, presentMyMembership, presentShopReseller } from '../../presenters/membership';
import { joinShop } from '../../commands/memberships/shopJoiner';
import { decideMembership } from '../../commands/memberships/membershipDecider';

export function registerMembershipRoutes(api: ApiRouter, { bus }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/shops/:shopId/join',
    summary: 'Join a shop as a reseller (approved at once under open, pending under approval); idempotent',
    tags: ['memberships'],
    access: ['reseller'],
    params: ShopIdParamsSchema,
    response: MembershipSchema,
    status: 201,
    handler: async ({ user, params, res }) => {
      const shop = await ShopModel.findById(params.shopId);
      if (!shop || !shop.active) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
      const { membership, created } = await joinShop(user, shop, bus);
      if (created) return presentMembership(membership);
      // Already a member: answer 200 with the membership as it stands.
      res.status(200).json({ data: presentMembership(membership) });
      return undefined;
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/resellers',
    summary: 'The shop’s resellers with segment, status and join date (its owner); filter by status',
    tags: ['memberships'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    query: ShopResellerListQuerySchema,
    response: z.array(ShopResellerSchema),
    handler: async ({ user, params, query }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const filter: FilterQuery<MembershipFields> = { shopId: shop._id, ...idCursorFilter(query.cursor) };
      if (query.status) filter.status = query.status;
      const { rows, page } = pageOf(await MembershipModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1), query.limit);
      const users = await UserModel.find({ _id: { $in: rows.map((m) => m.resellerId) } }, { name: 1 });
      const byId = new Map(users.map((u) => [String(u._id), u]));
      return new ListResult(
        rows.map((m) => presentShopReseller(m, byId.get(String(m.resellerId)))),
        page,
      );
    },
  });

  api.add({
    method: 'patch',
    path: '/memberships/:id',
    summary: 'Approve or block a reseller (the shop’s owner)',
    tags: ['memberships'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: MembershipUpdateSchema,
    response: MembershipSchema,
    handler: async ({ user, params, body }) => {
      const membership = await MembershipModel.findById(params.id);
      if (!membership) throw new NotFoundError('Membership', 'MEMBERSHIP_NOT_FOUND');
      await loadOwnedShop(user, String(membership.shopId));
      return presentMembership(await decideMembership(membership, body, bus));
    },
  });

  api.add({
    method: 'get',
    path: '/me/memberships',
    summary: 'The shops the signed-in reseller has joined, with status',
    tags: ['memberships'],
    access: ['reseller'],
    query: MyMembershipListQuerySchema,
    response: z.array(MyMembershipSchema),
    handler: async ({ user, query }) => {
      const filter: FilterQuery<MembershipFields> = { resellerId: user.id, ...idCursorFilter(query.cursor) };
      if (query.status) filter.status = query.status;
      const { rows, page } = pageOf(await MembershipModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1), query.limit);
      const shops = await ShopModel.find({ _id: { $in: rows.map((m) => m.shopId) } });
      const byId = new Map(shops.map((s) => [String(s._id), s]));
      const data = rows.flatMap((m) => {
        const shop = byId.get(String(m.shopId));
        return shop ? [presentMyMembership(m, shop)] : [];
      });
      return new ListResult(data, page);
    },
  });
}
