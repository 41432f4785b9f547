import type mongoose from 'mongoose';
import { PayoutModel, type PayoutDoc } from '../../models/Payout';
import { LedgerEntryModel, type LedgerEntryDoc } from '../../models/LedgerEntry';
import { appendEntry, type LedgerRow } from '../ledger/ledgerWriter';
import { payablePool, releasesCovered } from '../ledger/payablePool';

/** A request still `requesting` after this long has died (a live one takes milliseconds). */
export const REQUESTING_GRACE_MS = 60_000;

/** The reserve entry's key is the payout's own id, so the record and its money always find each other. */
export const reserveKey = (payoutId: mongoose.Types.ObjectId | string): string => `payout:${String(payoutId)}:reserve`;

/**
 * `requesting` → `requested`, tracing the releases the reserve drew on (computed from the entries
 * before its seat, so the requester and the reconciler record the same ones). Idempotent.
 */
export async function promoteRequesting(payout: PayoutDoc, reserve: LedgerEntryDoc): Promise<PayoutDoc> {
  const before = await LedgerEntryModel.find({ resellerId: payout.resellerId, shopId: payout.shopId, seq: { $lt: reserve.seq } })
    .sort({ seq: 1 })
    .lean<LedgerRow[]>();
  const drawnFrom = releasesCovered(payablePool(before), reserve.deltas?.reserved ?? 0);
  const updated = await PayoutModel.findOneAndUpdate(
    { _id: payout._id, status: 'requesting' },
    { $set: { status: 'requested', entryIds: [...drawnFrom, reserve._id] }, $push: { statusHistory: { status: 'requested', at: new Date() } } },
    { new: true },
  );
  return updated ?? (await PayoutModel.findById(payout._id)) ?? payout;
}

/**
 * Finishes payout requests that died half-way (found by their `requesting` status): one whose
 * reserve was booked becomes `requested` — the money in "reserved" always has its payout; one
 * that never reserved, once past the grace period, has its reserve key claimed by an empty entry
 * (so the stalled request can no longer book it) and is discarded. Safe to run anywhere, any time.
 */
export async function reconcilePayouts(filter: { resellerId?: mongoose.Types.ObjectId; shopId?: mongoose.Types.ObjectId; _id?: mongoose.Types.ObjectId }, now = new Date()): Promise<number> {
  const stuck = await PayoutModel.find({ ...filter, status: 'requesting' }).limit(100);
  let settled = 0;
  for (const payout of stuck) {
    let reserve = await LedgerEntryModel.findOne({ idempotencyKey: reserveKey(payout._id) });
    if (!reserve) {
      if (now.getTime() - (payout.createdAt ?? now).getTime() < REQUESTING_GRACE_MS) continue;
      reserve = (
        await appendEntry({
          resellerId: payout.resellerId,
          shopId: payout.shopId,
          payoutId: payout._id,
          kind: 'payout_reserve',
          amount: 0,
          deltas: {},
          idempotencyKey: reserveKey(payout._id),
        })
      ).entry;
      if (!reserve) continue;
    }
    if ((reserve.deltas?.reserved ?? 0) > 0) await promoteRequesting(payout, reserve);
    else await PayoutModel.deleteOne({ _id: payout._id, status: 'requesting' });
    settled += 1;
  }
  return settled;
}
