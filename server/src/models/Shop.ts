import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import {
  COMMISSION_TYPES,
  DEFAULT_ATTRIBUTION_DAYS,
  DEFAULT_COMMISSION,
  DEFAULT_HOLD_DAYS,
  DEFAULT_MIN_PAYOUT,
  DEFAULT_TIMEZONE,
  HOLD_DAYS,
  JOIN_POLICIES,
  PAYMENT_METHODS,
  isValidTimeZone,
} from '@tular/shared';

/** Commission rules as stored on a shop (defaults) and on a product (override); see CommissionRulesSchema. */
export const commissionRulesSchema = new Schema(
  {
    type: { type: String, enum: COMMISSION_TYPES, required: true },
    /** percent: basis points; flat: rupiah per unit. */
    bySegment: {
      buzzer: { type: Number, required: true, min: 0 },
      influencer: { type: Number, required: true, min: 0 },
      follower: { type: Number, required: true, min: 0 },
    },
    tiers: {
      type: [new Schema({ minMonthlySales: { type: Number, required: true, min: 0 }, bonusBp: { type: Number, required: true, min: 0 } }, { _id: false })],
      default: [],
    },
    uplineBp: { type: Number, required: true, min: 0, default: 0 },
  },
  { _id: false },
);

const paymentInstructionSchema = new Schema(
  {
    method: { type: String, enum: PAYMENT_METHODS, required: true },
    provider: { type: String, required: true },
    accountName: { type: String, required: true },
    accountNumber: { type: String, required: true },
  },
  { _id: false },
);

const shopSchema = new Schema(
  {
    ownerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    name: { type: String, required: true },
    slug: { type: String, required: true },
    /** E.164 (+628…), the number the WhatsApp order button writes to. */
    whatsapp: { type: String, required: true },
    description: { type: String, default: '' },
    city: { type: String, default: '' },
    category: { type: String, default: '' },
    logoFileId: { type: Schema.Types.ObjectId },
    timezone: { type: String, default: DEFAULT_TIMEZONE, validate: { validator: isValidTimeZone, message: 'unknown time zone' } },
    joinPolicy: { type: String, enum: JOIN_POLICIES, default: 'open' },
    commission: { type: commissionRulesSchema, required: true, default: () => structuredClone(DEFAULT_COMMISSION) },
    attributionDays: { type: Number, min: 1, max: 90, default: DEFAULT_ATTRIBUTION_DAYS },
    holdDays: { type: Number, enum: HOLD_DAYS, default: DEFAULT_HOLD_DAYS },
    minPayout: { type: Number, min: 1, default: DEFAULT_MIN_PAYOUT },
    /** Shown to buyers after checkout so they know where to transfer. */
    paymentInstructions: { type: [paymentInstructionSchema], default: [] },
    /** HMAC secret hash for the conversion API (rotation lives with the conversions feature). */
    conversionSecretHash: { type: String, select: false },
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
shopSchema.index({ slug: 1 }, { unique: true });
shopSchema.index({ ownerId: 1, _id: -1 });
// Catalog listing: newest first by _id (stable cursor), filtered by active/city/category.
shopSchema.index({ active: 1, _id: -1 });

export type ShopFields = InferSchemaType<typeof shopSchema>;
export type ShopDoc = HydratedDocument<ShopFields>;
export const ShopModel = mongoose.model('Shop', shopSchema);

/** Lock key for writes to one shop document (see productLockKey for why). */
export function shopLockKey(shopId: string): string {
  return `shop:${shopId}`;
}
