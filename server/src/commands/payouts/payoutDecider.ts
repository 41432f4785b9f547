import mongoose from 'mongoose';
import type { PayoutDecisionInput, PayoutStatus } from '@tular/shared';
import { PayoutModel, type PayoutDoc, type PayoutFields } from '../../models/Payout';
import { withWriteLock } from '../../db/writeLock';
import { lockedFilter } from '../../db/guardedUpdate';
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { AppDeps } from '../../appDeps';
import { appendEntry } from '../ledger/ledgerWriter';
import { reconcilePayouts } from './payoutReconciler';

export const PAYOUT_TRANSITIONS: Record<PayoutStatus, readonly PayoutStatus[]> = {
  requested: ['approved', 'paid', 'rejected'],
  approved: ['paid', 'rejected'],
  paid: [],
  rejected: [],
};

/**
 * The owner approves, pays (with the transfer reference) or rejects a payout. Paid moves the
 * reserved rupiah to paid; rejected returns them to available. Both leave "reserved" under one key
 * (`payout:<id>:from-reserved`), so a payout can be settled or returned once, never both.
 */
export async function decidePayout(deps: Pick<AppDeps, 'bus'>, payoutId: string, input: PayoutDecisionInput): Promise<PayoutDoc> {
  // A request that died after reserving is finished first, so its owner can settle it.
  if (mongoose.isValidObjectId(payoutId)) await reconcilePayouts({ _id: new mongoose.Types.ObjectId(payoutId) });
  const { payout, changed } = await withWriteLock(`payout:${payoutId}`, async () => {
    const current = await PayoutModel.findById(payoutId);
    // Still `requesting`: no money is reserved for it (yet), so there is nothing to decide.
    if (!current || current.status === 'requesting') throw new NotFoundError('Payout', 'PAYOUT_NOT_FOUND');
    if (current.status === input.status) return { payout: current, changed: false };
    if (!PAYOUT_TRANSITIONS[current.status].includes(input.status)) {
      throw new ConflictError('INVALID_TRANSITION', `A payout that is ${current.status} cannot become ${input.status}`, {
        from: current.status,
        to: input.status,
        allowed: PAYOUT_TRANSITIONS[current.status],
      });
    }
    const set: Record<string, unknown> = { status: input.status };
    if (input.reference) set.reference = input.reference;
    if (input.reason) set.reason = input.reason;
    const updated = await PayoutModel.findOneAndUpdate(
      lockedFilter<PayoutFields>(current._id, { status: current.status }),
      { $set: set, $push: { statusHistory: { status: input.status, at: new Date() } } },
      { new: true },
    );
    if (!updated) throw new ConflictError('INVALID_TRANSITION', 'The payout changed at the same time; reload and try again');
    return { payout: updated, changed: true };
  });

  if (payout.status === 'paid' || payout.status === 'rejected') {
    const paid = payout.status === 'paid';
    const { entry, created } = await appendEntry({
      resellerId: payout.resellerId,
      shopId: payout.shopId,
      payoutId: payout._id,
      kind: paid ? 'payout_paid' : 'payout_return',
      amount: 0,
      deltas: paid ? { reserved: -payout.amount, paid: payout.amount } : { reserved: -payout.amount, available: payout.amount },
      idempotencyKey: `payout:${String(payout._id)}:from-reserved`,
    });
    if (created && entry) {
      await PayoutModel.updateOne({ _id: payout._id }, { $push: { entryIds: entry._id } });
      payout.entryIds.push(entry._id);
    }
  }
  if (changed) {
    deps.bus.emit('payout', {
      payoutId: String(payout._id),
      shopId: String(payout.shopId),
      resellerId: String(payout.resellerId),
      status: payout.status,
      amount: payout.amount,
      at: new Date(),
    });
  }
  return payout;
}
