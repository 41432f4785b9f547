import { z } from 'zod';
import type { FilterQuery } from 'mongoose';
import { CursorQuerySchema, IdParamsSchema, ReviewCreateSchema, ReviewHideSchema, ReviewSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { NotFoundError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { rateLimit } from '../../middlewares/rateLimit';
import { ReviewModel, type ReviewDoc, type ReviewFields } from '../../models/Review';
import { ProductModel } from '../../models/Product';
import { ShopModel } from '../../models/Shop';
import { canManageShop } from '../../policies/shop';
import { authorizeShopRecord } from '../../policies/shopRecord';
import { createReview, setReviewHidden } from '../../commands/reviews/reviewWriter';
import { presentReview } from '../../presenters/review';

export function registerReviewRoutes(api: ApiRouter, { config }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/products/:id/reviews',
    summary: 'Review a product: a buyer with the private reviewToken of a fulfilled order (verified purchase) or a member reseller',
    tags: ['reviews'],
    access: 'public',
    before: [rateLimit({ name: 'reviews', limit: config.env === 'test' ? 10_000 : 20, windowMs: 60_000 })],
    params: IdParamsSchema,
    body: ReviewCreateSchema,
    response: ReviewSchema,
    status: 201,
    handler: async ({ user, params, body }) => presentReview(await createReview(params.id, body, user)),
  });

  api.add({
    method: 'get',
    path: '/products/:id/reviews',
    summary: 'A product’s reviews, newest first (the shop’s owner also sees hidden ones)',
    tags: ['reviews'],
    access: 'public',
    params: IdParamsSchema,
    query: CursorQuerySchema,
    response: z.array(ReviewSchema),
    handler: async ({ user, params, query }) => {
      const product = await ProductModel.findById(params.id, { shopId: 1 });
      if (!product) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
      const shop = await ShopModel.findById(product.shopId, { ownerId: 1 });
      const filter: FilterQuery<ReviewFields> = { productId: product._id, ...idCursorFilter(query.cursor) };
      if (!shop || !canManageShop(user, shop)) filter.hidden = false;
      const rows = await ReviewModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const { rows: reviews, page } = pageOf(rows, query.limit);
      return new ListResult(reviews.map(presentReview), page);
    },
  });

  api.add({
    method: 'patch',
    path: '/reviews/:id',
    summary: 'The shop’s owner hides (or shows again) an abusive review',
    tags: ['reviews'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: ReviewHideSchema,
    response: ReviewSchema,
    handler: async ({ user, params, body }) => {
      const review = await authorizeShopRecord<ReviewDoc>(user, await ReviewModel.findById(params.id), 'Review', 'REVIEW_NOT_FOUND');
      return presentReview(await setReviewHidden(review, body.hidden));
    },
  });
}
