import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/**
 * `_id` = `<resellerId>:<shopId>`: the highest seat of that ledger account known to be taken. Only a
 * hint, always ≤ the true tip (it is raised with `$max` after an entry is stored — behind the write,
 * see tipHints — and never lowered), so
 * a writer that inserts at hint + 1 either gets the seat or hits the unique `seq` index and then
 * reads the true tip (see ledgerWriter). Saves a sorted read over the account's entries, which
 * FerretDB answers by scanning every ledger entry.
 */
const ledgerTipSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true, min: 0 },
  },
  { versionKey: false },
);

export type LedgerTipFields = InferSchemaType<typeof ledgerTipSchema>;
export const LedgerTipModel = mongoose.model('LedgerTip', ledgerTipSchema, 'ledger_tips');
