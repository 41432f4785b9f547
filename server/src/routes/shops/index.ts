import { z } from 'zod';
import type { FilterQuery } from 'mongoose';
import {
  IdParamsSchema,
  ShopCreateSchema,
  ShopListQuerySchema,
  ShopSchema,
  ShopSlugParamsSchema,
  ShopUpdateSchema,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { AuthenticationError, AuthorizationError, NotFoundError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { containsText, sameText } from '../../lib/textMatch';
import { imageBody, readImageUpload, savePhoto } from '../../lib/photoStore';
import { ShopModel, type ShopFields } from '../../models/Shop';
import { canManageShop, loadOwnedShop } from '../../policies/shop';
import { presentShop } from '../../presenters/shop';
import { createShop } from '../../commands/shops/shopCreator';
import { replaceShopLogo, updateShop } from '../../commands/shops/shopUpdater';

export function registerShopRoutes(api: ApiRouter, { bus }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/shops',
    summary: 'Create a shop (owner)',
    tags: ['shops'],
    access: ['owner'],
    body: ShopCreateSchema,
    response: ShopSchema,
    status: 201,
    handler: async ({ user, body }) => presentShop(await createShop(user, body, bus)),
  });

  api.add({
    method: 'get',
    path: '/shops',
    summary: 'Search the public shop catalog (q, city, category); mine=true lists the signed-in owner’s shops',
    tags: ['shops'],
    access: 'public',
    query: ShopListQuerySchema,
    response: z.array(ShopSchema),
    handler: async ({ user, query }) => {
      const filter: FilterQuery<ShopFields> = { ...idCursorFilter(query.cursor) };
      if (query.mine) {
        if (!user) throw new AuthenticationError('TOKEN_MISSING', 'Sign in first to list your own shops');
        if (user.role !== 'owner') throw new AuthorizationError('Only owners have shops');
        filter.ownerId = user.id;
      } else {
        filter.active = true;
      }
      if (query.q) filter.name = containsText(query.q);
      if (query.city) filter.city = sameText(query.city);
      if (query.category) filter.category = sameText(query.category);
      const rows = await ShopModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const { rows: shops, page } = pageOf(rows, query.limit);
      return new ListResult(shops.map(presentShop), page);
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:slug',
    summary: 'A shop by its slug (or id)',
    tags: ['shops'],
    access: 'public',
    params: ShopSlugParamsSchema,
    response: ShopSchema,
    handler: async ({ user, params }) => {
      const shop = /^[a-f0-9]{24}$/.test(params.slug) ? await ShopModel.findById(params.slug) : await ShopModel.findOne({ slug: params.slug });
      // An inactive shop is gone for the public but still visible to whoever manages it.
      if (!shop || (!shop.active && !canManageShop(user, shop))) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
      return presentShop(shop);
    },
  });

  api.add({
    method: 'patch',
    path: '/shops/:id',
    summary: 'Edit a shop (its owner or an admin)',
    tags: ['shops'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: ShopUpdateSchema,
    response: ShopSchema,
    handler: async ({ user, params, body }) => presentShop(await updateShop(await loadOwnedShop(user, params.id), body, bus)),
  });

  api.add({
    method: 'post',
    path: '/shops/:id/logo',
    summary: 'Upload the shop logo: the raw JPEG/PNG/WebP bytes as the body, at most 2 MB',
    tags: ['shops', 'files'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    before: [imageBody],
    body: z.unknown(),
    response: ShopSchema,
    handler: async ({ user, params, body }) => {
      const shop = await loadOwnedShop(user, params.id);
      const image = readImageUpload(body, 'logo');
      const fileId = await savePhoto(image.bytes, { shopId: String(shop._id), uploadedBy: user.id, kind: 'logo', contentType: image.contentType });
      return presentShop(await replaceShopLogo(shop, String(fileId), bus));
    },
  });
}
