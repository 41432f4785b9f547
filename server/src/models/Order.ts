import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { ATTRIBUTION_VIA, ORDER_SOURCES, ORDER_STATUSES } from '@tular/shared';

const orderSchema = new Schema(
  {
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    productId: { type: Schema.Types.ObjectId, ref: 'Product', required: true },
    /** Name and price as sold; a later product edit never rewrites an order. */
    productName: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitPrice: { type: Number, required: true },
    total: { type: Number, required: true },
    buyer: {
      name: { type: String, required: true },
      phone: { type: String, required: true },
      address: { type: String, default: '' },
    },
    status: { type: String, enum: ORDER_STATUSES, required: true, default: 'pending' },
    source: { type: String, enum: ORDER_SOURCES, required: true },
    attribution: {
      type: new Schema(
        {
          resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
          linkId: { type: Schema.Types.ObjectId, ref: 'Link', default: null },
          code: { type: String, default: null },
          via: { type: String, enum: ATTRIBUTION_VIA, required: true },
          segment: { type: String },
          channel: { type: String },
        },
        { _id: false },
      ),
      default: null,
    },
    flags: { selfReferral: { type: Boolean, default: false } },
    /** Total commission booked on this order at creation (reseller + upline). */
    commission: { type: Number, default: 0 },
    /**
     * The lines computed at creation, kept so a retry (or the sweep) books exactly these — never a
     * recomputation that could differ because the month's sales or the rules changed meanwhile.
     */
    commissionLines: [
      {
        _id: false,
        role: { type: String, enum: ['reseller', 'upline'], required: true },
        resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
        amount: { type: Number, required: true },
        base: { type: Number, required: true },
        rateBp: { type: Number, default: null },
        flatPerUnit: { type: Number, default: null },
        bonusBp: { type: Number, default: null },
      },
    ],
    /**
     * false from creation until its commission lines are in the ledger and the sale was announced;
     * flipped once (guarded) by whichever of the creator, a retry or the sweep gets there first.
     * Orders stored before this field existed read as booked.
     */
    commissionBooked: { type: Boolean, default: true },
    paymentReference: { type: String, default: null },
    /** Random secret in the buyer's private review link. */
    reviewToken: { type: String, required: true },
    /**
     * Exactly-once guard for the order itself: `claim:<id>`, `conversion:<shop>:<key>`, else the
     * order's own id (FerretDB v1 has no sparse unique index, so every order carries a value).
     */
    dedupeKey: { type: String, required: true },
    fulfilledAt: { type: Date, default: null },
    /** Set at fulfilment while approved commission waits for its hold; the hold releaser clears it. */
    commissionDueAt: { type: Date, default: null },
    /** Flipped once by whichever cancel/refund puts the units back, so a replay never restores twice. */
    stockRestored: { type: Boolean, default: false },
    statusHistory: [{ _id: false, status: { type: String, enum: ORDER_STATUSES }, at: Date, by: { type: Schema.Types.ObjectId, default: null } }],
  },
  { timestamps: true },
);
orderSchema.index({ dedupeKey: 1 }, { unique: true });
orderSchema.index({ reviewToken: 1 }, { unique: true });
orderSchema.index({ shopId: 1, _id: -1 });
orderSchema.index({ shopId: 1, status: 1, _id: -1 });
orderSchema.index({ 'attribution.resellerId': 1, shopId: 1, fulfilledAt: 1 });
orderSchema.index({ commissionDueAt: 1 });
orderSchema.index({ commissionBooked: 1, createdAt: 1 });

export type OrderFields = InferSchemaType<typeof orderSchema>;
export type OrderDoc = HydratedDocument<OrderFields>;
export const OrderModel = mongoose.model('Order', orderSchema);
