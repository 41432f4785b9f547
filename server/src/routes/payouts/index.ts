import { z } from 'zod';
import mongoose, { type FilterQuery } from 'mongoose';
import {
  CursorQuerySchema,
  EarningsSchema,
  IdParamsSchema,
  LedgerEntrySchema,
  OwedSchema,
  PayoutDecisionSchema,
  PayoutListQuerySchema,
  PayoutRequestSchema,
  PayoutSchema,
  ShopIdParamsSchema,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { ValidationError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { PayoutModel, type PayoutFields } from '../../models/Payout';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { UserModel } from '../../models/User';
import { loadOwnedShop } from '../../policies/shop';
import { authorizeShopRecord } from '../../policies/shopRecord';
import { requestPayout } from '../../commands/payouts/payoutRequester';
import { decidePayout } from '../../commands/payouts/payoutDecider';
import { reconcilePayouts } from '../../commands/payouts/payoutReconciler';
import { balancesBy } from '../../commands/ledger/ledgerWriter';
import { presentLedgerEntry, presentPayout } from '../../presenters/payout';

export function registerPayoutRoutes(api: ApiRouter, deps: AppDeps): void {
  api.add({
    method: 'get',
    path: '/me/earnings',
    summary: 'Per shop: pending, approved, available, reserved (in a payout) and paid commission, in rupiah',
    tags: ['money'],
    access: ['reseller'],
    response: z.array(EarningsSchema),
    handler: async ({ user }) => {
      const balances = await balancesBy({ resellerId: new mongoose.Types.ObjectId(user.id) }, 'shopId');
      return [...balances].map(([shopId, b]) => ({ shopId, ...b }));
    },
  });

  api.add({
    method: 'get',
    path: '/me/earnings/:shopId/entries',
    summary: 'The reseller’s ledger entries in one shop, newest first',
    tags: ['money'],
    access: ['reseller'],
    params: ShopIdParamsSchema,
    query: CursorQuerySchema,
    response: z.array(LedgerEntrySchema),
    handler: async ({ user, params, query }) => {
      const rows = await LedgerEntryModel.find({ resellerId: user.id, shopId: params.shopId, ...idCursorFilter(query.cursor) })
        .sort({ _id: -1 })
        .limit(query.limit + 1);
      const { rows: entries, page } = pageOf(rows, query.limit);
      return new ListResult(entries.map(presentLedgerEntry), page);
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/earnings',
    summary: 'What the shop owes each reseller (pending, approved, available, reserved, paid)',
    tags: ['money'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    response: z.array(OwedSchema),
    handler: async ({ user, params }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const balances = await balancesBy({ shopId: shop._id }, 'resellerId');
      const users = await UserModel.find({ _id: { $in: [...balances.keys()] } }, { name: 1 }).lean();
      const names = new Map(users.map((u) => [String(u._id), u.name]));
      return [...balances].map(([resellerId, b]) => ({ shopId: String(shop._id), resellerId, resellerName: names.get(resellerId) ?? '', ...b }));
    },
  });

  api.add({
    method: 'post',
    path: '/payouts',
    summary: 'Request a payout from one shop’s available balance to a bank account or e-wallet',
    tags: ['money'],
    access: ['reseller'],
    body: PayoutRequestSchema,
    response: PayoutSchema,
    status: 201,
    handler: async ({ user, body }) => presentPayout(await requestPayout(deps, user.id, body)),
  });

  api.add({
    method: 'get',
    path: '/payouts',
    summary: 'Payouts: a reseller’s own; an owner’s for `?shopId=`',
    tags: ['money'],
    access: ['reseller', 'owner', 'admin'],
    query: PayoutListQuerySchema,
    response: z.array(PayoutSchema),
    handler: async ({ user, query }) => {
      const filter: FilterQuery<PayoutFields> = { ...idCursorFilter(query.cursor) };
      let owner = false;
      if (user.role === 'reseller') {
        filter.resellerId = user.id;
        if (query.shopId) filter.shopId = query.shopId;
      } else {
        if (!query.shopId) throw new ValidationError([{ path: 'query.shopId', message: 'which shop?' }]);
        filter.shopId = (await loadOwnedShop(user, query.shopId))._id;
        owner = true;
      }
      // Requests that died half-way are finished (or discarded) before anyone looks.
      const scope: { resellerId?: mongoose.Types.ObjectId; shopId?: mongoose.Types.ObjectId } = {};
      if (owner) scope.shopId = new mongoose.Types.ObjectId(String(filter.shopId));
      else scope.resellerId = new mongoose.Types.ObjectId(user.id);
      await reconcilePayouts(scope);
      filter.status = query.status ?? { $ne: 'requesting' };
      const rows = await PayoutModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const { rows: payouts, page } = pageOf(rows, query.limit);
      // The owner must see the full account number to transfer; lists for resellers stay masked.
      return new ListResult(payouts.map((p) => presentPayout(p, { fullAccount: owner })), page);
    },
  });

  api.add({
    method: 'patch',
    path: '/payouts/:id',
    summary: 'The owner approves, rejects (funds return to available) or marks a payout paid with the transfer reference',
    tags: ['money'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: PayoutDecisionSchema,
    response: PayoutSchema,
    handler: async ({ user, params, body }) => {
      await authorizeShopRecord(user, await PayoutModel.findById(params.id, { shopId: 1 }), 'Payout', 'PAYOUT_NOT_FOUND');
      return presentPayout(await decidePayout(deps, params.id, body), { fullAccount: true });
    },
  });
}
