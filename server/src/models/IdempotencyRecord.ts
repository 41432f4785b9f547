import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';

/**
 * The first answer to an external request with an `Idempotency-Key`; the unique (shopId, key)
 * index makes exactly one request the writer, and every copy gets the stored answer.
 */
const idempotencyRecordSchema = new Schema(
  {
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    key: { type: String, required: true },
    /** sha256 of the raw body: the same key with a different body is refused. */
    requestHash: { type: String, required: true },
    state: { type: String, enum: ['in_progress', 'done'], required: true },
    /** The copy currently running the request (a takeover replaces it); only it may free the key. */
    runner: { type: String, default: null },
    status: { type: Number, default: null },
    body: { type: Schema.Types.Mixed, default: null },
  },
  { timestamps: true },
);
idempotencyRecordSchema.index({ shopId: 1, key: 1 }, { unique: true });

export type IdempotencyRecordFields = InferSchemaType<typeof idempotencyRecordSchema>;
export type IdempotencyRecordDoc = HydratedDocument<IdempotencyRecordFields>;
export const IdempotencyRecordModel = mongoose.model('IdempotencyRecord', idempotencyRecordSchema);
