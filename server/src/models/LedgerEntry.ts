import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { LEDGER_KINDS } from '@tular/shared';

const bucket = { type: Number, default: 0 };

/**
 * The commission ledger: append-only, never updated or deleted. Each entry moves rupiah between a
 * reseller's buckets in one shop; a bucket's balance is the sum of its deltas. `amount` is the
 * change in what the reseller has earned overall (0 for moves between buckets).
 * `idempotencyKey` is unique and names the state a commission or payout leaves
 * (`c:<order>:<role>:from-approved`), so a transition happens once even when replayed or raced.
 * `seq` is the entry's seat in its (reseller, shop) account, unique, 1, 2, 3…: whoever writes to an
 * account after reading it claims the next seat, so a decision made on a stale balance cannot land
 * (see ledgerWriter). Entries written before `seq` existed need a backfill before the index builds.
 */
const ledgerEntrySchema = new Schema(
  {
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    orderId: { type: Schema.Types.ObjectId, ref: 'Order', default: null },
    payoutId: { type: Schema.Types.ObjectId, ref: 'Payout', default: null },
    kind: { type: String, enum: LEDGER_KINDS, required: true },
    role: { type: String, enum: ['reseller', 'upline'], default: null },
    amount: { type: Number, required: true },
    deltas: { pending: bucket, approved: bucket, available: bucket, reserved: bucket, paid: bucket },
    /** The rule used, recorded so a later rule change never rewrites history. */
    base: { type: Number, default: null },
    rateBp: { type: Number, default: null },
    flatPerUnit: { type: Number, default: null },
    bonusBp: { type: Number, default: null },
    availableAt: { type: Date, default: null },
    idempotencyKey: { type: String, required: true },
    seq: { type: Number, required: true, min: 1 },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
ledgerEntrySchema.index({ idempotencyKey: 1 }, { unique: true });
ledgerEntrySchema.index({ resellerId: 1, shopId: 1, _id: -1 });
ledgerEntrySchema.index({ resellerId: 1, shopId: 1, seq: 1 }, { unique: true });
ledgerEntrySchema.index({ shopId: 1 });
ledgerEntrySchema.index({ orderId: 1 });

export type LedgerEntryFields = InferSchemaType<typeof ledgerEntrySchema>;
export type LedgerEntryDoc = HydratedDocument<LedgerEntryFields>;
export const LedgerEntryModel = mongoose.model('LedgerEntry', ledgerEntrySchema);
