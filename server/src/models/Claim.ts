import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CLAIM_STATUSES } from '@tular/shared';

const claimSchema = new Schema(
  {
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    productId: { type: Schema.Types.ObjectId, ref: 'Product', required: true },
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    quantity: { type: Number, required: true },
    buyer: {
      name: { type: String, required: true },
      phone: { type: String, required: true },
      address: { type: String, default: '' },
    },
    note: { type: String, default: null },
    receiptFileId: { type: Schema.Types.ObjectId, default: null },
    status: { type: String, enum: CLAIM_STATUSES, required: true, default: 'pending' },
    reason: { type: String, default: null },
    orderId: { type: Schema.Types.ObjectId, ref: 'Order', default: null },
    decidedAt: { type: Date, default: null },
    /**
     * Held by the request making a confirmed claim's order, until `orderId` is set; a copy of the
     * request waits for it, a retry takes it over once it is stale (its holder crashed).
     */
    confirmToken: { type: String, default: null },
    confirmAt: { type: Date, default: null },
  },
  { timestamps: true },
);
claimSchema.index({ shopId: 1, status: 1, _id: -1 });
claimSchema.index({ resellerId: 1, _id: -1 });

export type ClaimFields = InferSchemaType<typeof claimSchema>;
export type ClaimDoc = HydratedDocument<ClaimFields>;
export const ClaimModel = mongoose.model('Claim', claimSchema);
