import mongoose from 'mongoose';
import type { PayoutRequestInput } from '@tular/shared';
import { formatRupiah } from '@tular/shared';
import { PayoutModel, type PayoutDoc } from '../../models/Payout';
import { ShopModel } from '../../models/Shop';
import { AppError, BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../../lib/errors';
import type { AppDeps } from '../../appDeps';
import { appendGuarded, sumEntries } from '../ledger/ledgerWriter';
import { promoteRequesting, reconcilePayouts, reserveKey } from './payoutReconciler';

/**
 * Reserves a payout from one shop's available balance, in three steps that are each recoverable:
 * 1. the payout record is created as `requesting` (nothing has moved yet);
 * 2. the reserve entry — key `payout:<id>:reserve` — is decided at the account's next ledger seat
 *    (appendGuarded), so it never acts on a balance that a refund, a release or another payout
 *    changed in the meantime: available never goes below zero through a payout, on any engine,
 *    however many requests and refunds arrive at once or on however many instances;
 * 3. the record becomes `requested` with the entries it traces.
 * A request that dies after 2 leaves a `requesting` record whose reserve the reconciler finds and
 * finishes; one that dies before 2 is discarded once the reconciler has claimed its reserve key.
 */
export async function requestPayout(deps: Pick<AppDeps, 'bus'>, resellerId: string, input: PayoutRequestInput): Promise<PayoutDoc> {
  const shop = await ShopModel.findById(input.shopId, { minPayout: 1 }).lean();
  if (!shop) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
  const minPayout = shop.minPayout ?? 10_000;
  if (input.amount < minPayout) {
    throw new BadRequestError('PAYOUT_BELOW_MINIMUM', `The minimum payout for this shop is ${formatRupiah(minPayout)}`, {
      minPayout,
      issues: [{ path: 'body.amount', message: `at least ${minPayout}` }],
    });
  }
  const reseller = new mongoose.Types.ObjectId(resellerId);
  const shopId = new mongoose.Types.ObjectId(input.shopId);
  // Earlier requests of this account that died half-way are finished (or discarded) first.
  await reconcilePayouts({ resellerId: reseller, shopId });

  const payout = await PayoutModel.create({
    resellerId: reseller,
    shopId,
    amount: input.amount,
    method: input.method,
    account: { name: input.account.name, number: input.account.number, bankName: input.account.bankName ?? null },
    status: 'requesting',
    entryIds: [],
    statusHistory: [],
  });

  let reserved;
  try {
    reserved = await appendGuarded({ resellerId: reseller, shopId }, (history) => {
      const balance = sumEntries(history);
      if (balance.available < input.amount) {
        throw new ConflictError('INSUFFICIENT_BALANCE', `Only ${formatRupiah(Math.max(0, balance.available))} is available to withdraw`, {
          available: Math.max(0, balance.available),
        });
      }
      return {
        resellerId: reseller,
        shopId,
        payoutId: payout._id,
        kind: 'payout_reserve',
        amount: 0,
        deltas: { available: -input.amount, reserved: input.amount },
        idempotencyKey: reserveKey(payout._id),
      };
    });
  } catch (err) {
    // Refused before anything was written: this request never existed. (If this delete fails,
    // the reconciler discards the record later.) Other failures leave it to the reconciler.
    if (err instanceof AppError && err.status < 500) await PayoutModel.deleteOne({ _id: payout._id, status: 'requesting' }).catch(() => undefined);
    throw err;
  }
  if (!reserved.created || !reserved.entry || (reserved.entry.deltas?.reserved ?? 0) !== input.amount) {
    // The reconciler gave up on this request (it stalled past the grace period) and claimed the key.
    throw new ServiceUnavailableError('BUSY', 'The payout request took too long; please try again');
  }
  const requested = await promoteRequesting(payout, reserved.entry);
  deps.bus.emit('payout', { payoutId: String(requested._id), shopId: input.shopId, resellerId, status: 'requested', amount: input.amount, at: new Date() });
  return requested;
}
