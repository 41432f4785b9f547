import { z } from 'zod';
import type { FilterQuery } from 'mongoose';
import { ClaimCreateSchema, ClaimDecisionSchema, ClaimListQuerySchema, ClaimSchema, IdParamsSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import type { AuthUser } from '../../lib/authUser';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { imageBody, readImageUpload } from '../../lib/photoStore';
import { readReceipt, saveReceipt } from '../../lib/receiptStore';
import { ClaimModel, type ClaimDoc, type ClaimFields } from '../../models/Claim';
import { ShopModel } from '../../models/Shop';
import { canManageShop, loadOwnedShop } from '../../policies/shop';
import { authorizeShopRecord } from '../../policies/shopRecord';
import { attachReceipt, createClaim, decideClaim } from '../../commands/claims/claimDecider';
import { presentClaim } from '../../presenters/claim';

/** The claim's reseller or the shop's owner; anyone else gets 404 (a claim id reveals nothing). */
async function loadVisibleClaim(user: AuthUser, id: string): Promise<ClaimDoc> {
  const claim = await ClaimModel.findById(id);
  if (!claim) throw new NotFoundError('Claim', 'CLAIM_NOT_FOUND');
  if (String(claim.resellerId) === user.id) return claim;
  const shop = await ShopModel.findById(claim.shopId, { ownerId: 1 });
  if (!shop || !canManageShop(user, shop)) throw new NotFoundError('Claim', 'CLAIM_NOT_FOUND');
  return claim;
}

export function registerClaimRoutes(api: ApiRouter, deps: AppDeps): void {
  api.add({
    method: 'post',
    path: '/claims',
    summary: 'A reseller records a sale closed in a chat; no commission until the owner confirms',
    tags: ['orders'],
    access: ['reseller'],
    body: ClaimCreateSchema,
    response: ClaimSchema,
    status: 201,
    handler: async ({ user, body }) => presentClaim(await createClaim(user.id, body)),
  });

  api.add({
    method: 'get',
    path: '/claims',
    summary: 'Claims: a reseller’s own; an owner’s for `?shopId=` (filter by status)',
    tags: ['orders'],
    access: ['reseller', 'owner', 'admin'],
    query: ClaimListQuerySchema,
    response: z.array(ClaimSchema),
    handler: async ({ user, query }) => {
      const filter: FilterQuery<ClaimFields> = { ...idCursorFilter(query.cursor) };
      if (user.role === 'reseller') {
        filter.resellerId = user.id;
        if (query.shopId) filter.shopId = query.shopId;
      } else {
        if (!query.shopId) throw new ValidationError([{ path: 'query.shopId', message: 'which shop?' }]);
        filter.shopId = (await loadOwnedShop(user, query.shopId))._id;
      }
      if (query.status) filter.status = query.status;
      const rows = await ClaimModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const { rows: claims, page } = pageOf(rows, query.limit);
      return new ListResult(claims.map(presentClaim), page);
    },
  });

  api.add({
    method: 'patch',
    path: '/claims/:id',
    summary: 'The owner confirms (it becomes an attributed order) or rejects a claim',
    tags: ['orders'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: ClaimDecisionSchema,
    response: ClaimSchema,
    handler: async ({ user, params, body }) => {
      await authorizeShopRecord(user, await ClaimModel.findById(params.id, { shopId: 1 }), 'Claim', 'CLAIM_NOT_FOUND');
      return presentClaim(await decideClaim(deps, params.id, body, user.id));
    },
  });

  api.add({
    method: 'post',
    path: '/claims/:id/receipt',
    summary: 'Attach the transfer receipt photo (JPEG, PNG or WebP bytes as the body, ≤ 2 MB) to a pending claim',
    tags: ['orders', 'files'],
    access: ['reseller'],
    params: IdParamsSchema,
    before: [imageBody],
    body: z.unknown(),
    response: ClaimSchema,
    status: 201,
    handler: async ({ user, params, body }) => {
      const claim = await ClaimModel.findById(params.id);
      if (!claim || String(claim.resellerId) !== user.id) throw new NotFoundError('Claim', 'CLAIM_NOT_FOUND');
      if (claim.status !== 'pending') throw new ConflictError('CLAIM_DECIDED', 'The owner already decided this claim');
      const image = readImageUpload(body, 'receipt');
      const fileId = await saveReceipt(image.bytes, image.contentType, String(claim._id));
      return presentClaim(await attachReceipt(String(claim._id), fileId));
    },
  });

  api.add({
    method: 'get',
    path: '/claims/:id/receipt',
    summary: 'The claim’s receipt photo (its reseller and the shop’s owner only)',
    tags: ['orders', 'files'],
    access: ['reseller', 'owner', 'admin'],
    params: IdParamsSchema,
    handler: async ({ user, res, params }) => {
      const claim = await loadVisibleClaim(user, params.id);
      const file = claim.receiptFileId ? await readReceipt(claim.receiptFileId) : null;
      if (!file) throw new NotFoundError('Receipt', 'FILE_NOT_FOUND');
      res.setHeader('Cache-Control', 'private, no-store');
      res.type(file.contentType).send(file.bytes);
      return undefined;
    },
  });
}
