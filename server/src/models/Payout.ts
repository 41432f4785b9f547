import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { PAYOUT_METHODS, PAYOUT_STATUSES } from '@tular/shared';

/**
 * `requesting` is internal: the record exists before any money moves, so a reserve entry (keyed by
 * the payout id) can never be left without its payout. It becomes `requested` once the reserve is
 * booked; the API never shows it (see payoutReconciler for requests that died half-way).
 */
export const PAYOUT_RECORD_STATUSES = ['requesting', ...PAYOUT_STATUSES] as const;

const payoutSchema = new Schema(
  {
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    amount: { type: Number, required: true },
    method: { type: String, enum: PAYOUT_METHODS, required: true },
    account: {
      name: { type: String, required: true },
      number: { type: String, required: true },
      bankName: { type: String, default: null },
    },
    status: { type: String, enum: PAYOUT_RECORD_STATUSES, required: true, default: 'requesting' },
    reference: { type: String, default: null },
    reason: { type: String, default: null },
    /** Ledger entries of this payout (reserve, then paid or return) and the releases it drew on. */
    entryIds: [{ type: Schema.Types.ObjectId, ref: 'LedgerEntry' }],
    statusHistory: [{ _id: false, status: { type: String, enum: PAYOUT_STATUSES }, at: Date }],
  },
  { timestamps: true },
);
payoutSchema.index({ resellerId: 1, _id: -1 });
payoutSchema.index({ shopId: 1, _id: -1 });
payoutSchema.index({ status: 1, createdAt: 1 });

export type PayoutFields = InferSchemaType<typeof payoutSchema>;
export type PayoutDoc = HydratedDocument<PayoutFields>;
export const PayoutModel = mongoose.model('Payout', payoutSchema);
