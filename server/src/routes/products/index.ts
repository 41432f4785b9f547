import { z } from 'zod';
import type { FilterQuery } from 'mongoose';
import {
  IdParamsSchema,
  ProductCreateSchema,
  ProductListQuerySchema,
  ProductSchema,
  ProductSearchQuerySchema,
  ProductUpdateSchema,
  PublicProductSchema,
  ShopIdParamsSchema,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { NotFoundError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { containsText, sameText } from '../../lib/textMatch';
import { imageBody, readImageUpload } from '../../lib/photoStore';
import { ProductModel, type ProductFields } from '../../models/Product';
import { ShopModel } from '../../models/Shop';
import { canManageShop, loadOwnedProduct, loadOwnedShop } from '../../policies/shop';
import { presentProduct, presentPublicProduct } from '../../presenters/product';
import { attachProductPhoto, createProduct, deactivateProduct, updateProduct, type ProductPhotoKind } from '../../commands/products/productWriter';

export function registerProductRoutes(api: ApiRouter, { bus }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/shops/:shopId/products',
    summary: 'List a product in a shop (its owner)',
    tags: ['products'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    body: ProductCreateSchema,
    response: ProductSchema,
    status: 201,
    handler: async ({ user, params, body }) => presentProduct(await createProduct(await loadOwnedShop(user, params.shopId), body)),
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/products',
    summary: 'A shop’s products, newest first (q, category); the owner also sees inactive ones',
    tags: ['products'],
    access: 'public',
    params: ShopIdParamsSchema,
    query: ProductListQuerySchema,
    response: z.array(ProductSchema),
    handler: async ({ user, params, query }) => {
      const shop = await ShopModel.findById(params.shopId);
      const manager = !!shop && canManageShop(user, shop);
      if (!shop || (!shop.active && !manager)) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
      const filter: FilterQuery<ProductFields> = { shopId: shop._id, ...idCursorFilter(query.cursor) };
      if (!manager) filter.active = true;
      if (query.q) filter.name = containsText(query.q);
      if (query.category) filter.category = sameText(query.category);
      const rows = await ProductModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const { rows: products, page } = pageOf(rows, query.limit);
      return new ListResult(products.map(presentProduct), page);
    },
  });

  api.add({
    method: 'get',
    path: '/products',
    summary: 'Search all shops’ products, newest first (q, category, city)',
    tags: ['products'],
    access: 'public',
    query: ProductSearchQuerySchema,
    response: z.array(PublicProductSchema),
    handler: async ({ query }) => {
      const filter: FilterQuery<ProductFields> = { active: true, ...idCursorFilter(query.cursor) };
      if (query.q) filter.name = containsText(query.q);
      if (query.category) filter.category = sameText(query.category);
      if (query.city) {
        const inCity = await ShopModel.find({ active: true, city: sameText(query.city) }, { _id: 1 }).limit(5000);
        filter.shopId = { $in: inCity.map((s) => s._id) };
      }
      const { rows, page } = pageOf(await ProductModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1), query.limit);
      const shops = await ShopModel.find({ _id: { $in: [...new Set(rows.map((p) => String(p.shopId)))] } });
      const byId = new Map(shops.map((s) => [String(s._id), s]));
      // Products of a closed shop drop out of this page; the cursor still follows the rows read, so paging stays stable.
      const data = rows.flatMap((p) => {
        const shop = byId.get(String(p.shopId));
        return shop?.active ? [presentPublicProduct(p, shop)] : [];
      });
      return new ListResult(data, page);
    },
  });

  api.add({
    method: 'get',
    path: '/products/:id',
    summary: 'The public product page: price, stock state, photos, rating, marketplace links, the shop’s WhatsApp',
    tags: ['products'],
    access: 'public',
    params: IdParamsSchema,
    response: PublicProductSchema,
    handler: async ({ user, params }) => {
      const product = await ProductModel.findById(params.id);
      const shop = product ? await ShopModel.findById(product.shopId) : null;
      if (!product || !shop || ((!product.active || !shop.active) && !canManageShop(user, shop))) {
        throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
      }
      return presentPublicProduct(product, shop);
    },
  });

  api.add({
    method: 'patch',
    path: '/products/:id',
    summary: 'Edit a product (its shop’s owner); commission null restores the shop defaults',
    tags: ['products'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: ProductUpdateSchema,
    response: ProductSchema,
    handler: async ({ user, params, body }) => {
      await loadOwnedProduct(user, params.id);
      return presentProduct(await updateProduct(params.id, body, bus));
    },
  });

  api.add({
    method: 'delete',
    path: '/products/:id',
    summary: 'Withdraw a product (soft: it stays for past orders and links)',
    tags: ['products'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    response: ProductSchema,
    handler: async ({ user, params }) => {
      await loadOwnedProduct(user, params.id);
      return presentProduct(await deactivateProduct(params.id, bus));
    },
  });

  const uploads: Array<{ path: string; kind: ProductPhotoKind; field: string; summary: string }> = [
    { path: '/products/:id/photos', kind: 'product', field: 'photo', summary: 'Add a product photo' },
    { path: '/products/:id/kit-photos', kind: 'kit', field: 'kit photo', summary: 'Add a creative-kit photo resellers can download' },
  ];
  for (const upload of uploads) {
    api.add({
      method: 'post',
      path: upload.path,
      summary: `${upload.summary}: the raw JPEG/PNG/WebP bytes as the body, at most 2 MB`,
      tags: ['products', 'files'],
      access: ['owner', 'admin'],
      params: IdParamsSchema,
      before: [imageBody],
      body: z.unknown(),
      response: ProductSchema,
      status: 201,
      handler: async ({ user, params, body }) => {
        await loadOwnedProduct(user, params.id);
        const image = readImageUpload(body, upload.field);
        return presentProduct(await attachProductPhoto(params.id, upload.kind, image, user));
      },
    });
  }
}
