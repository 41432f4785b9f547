import { z } from 'zod';
import { IndonesianPhoneSchema, ObjectIdSchema, RupiahSchema } from './common';

export const ORDER_STATUSES = ['pending', 'paid', 'fulfilled', 'cancelled', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const ORDER_SOURCES = ['checkout', 'owner', 'claim', 'conversion'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];
export const ATTRIBUTION_VIA = ['code', 'cookie', 'claim'] as const;
export type AttributionVia = (typeof ATTRIBUTION_VIA)[number];

/** A reseller's referral code as typed by a buyer or copied from a chat. */
export const ReferralCodeSchema = z
  .string()
  .trim()
  .min(3)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a referral code (letters and digits)');

export const QuantitySchema = z.number().int('must be a whole number').min(1).max(10_000);

export const BuyerSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  phone: IndonesianPhoneSchema,
  address: z.string().trim().max(500).default(''),
});
export type BuyerInput = z.infer<typeof BuyerSchema>;

export const CheckoutCreateSchema = z.strictObject({
  productId: ObjectIdSchema,
  quantity: QuantitySchema,
  buyer: BuyerSchema,
  ref: ReferralCodeSchema.optional(),
});
export type CheckoutCreateInput = z.infer<typeof CheckoutCreateSchema>;

/** The owner records a WhatsApp or offline sale, with the code the buyer quoted. */
export const OrderRecordSchema = CheckoutCreateSchema.extend({
  /** Defaults to the product's price; an owner may record a negotiated price. */
  unitPrice: RupiahSchema.optional(),
});
export type OrderRecordInput = z.infer<typeof OrderRecordSchema>;

/** Server-to-server sale from the owner's own website (signed, idempotent). */
export const ConversionCreateSchema = OrderRecordSchema.extend({
  externalId: z.string().trim().max(100).optional(),
});
export type ConversionCreateInput = z.infer<typeof ConversionCreateSchema>;

export const OrderTransitionSchema = z.strictObject({
  status: z.enum(['paid', 'fulfilled', 'cancelled', 'refunded']),
  paymentReference: z.string().trim().min(1).max(100).optional(),
});
export type OrderTransitionInput = z.infer<typeof OrderTransitionSchema>;

export const OrderListQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(ORDER_STATUSES).optional(),
});

export const AttributionSchema = z.object({
  resellerId: z.string(),
  linkId: z.string().nullable(),
  code: z.string().nullable(),
  via: z.enum(ATTRIBUTION_VIA),
});
export type Attribution = z.infer<typeof AttributionSchema>;

export const OrderSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  productId: z.string(),
  productName: z.string(),
  quantity: z.number(),
  unitPrice: z.number(),
  total: z.number(),
  status: z.enum(ORDER_STATUSES),
  source: z.enum(ORDER_SOURCES),
  buyer: z.object({ name: z.string(), phone: z.string(), address: z.string() }).optional(),
  attribution: AttributionSchema.nullable(),
  flags: z.object({ selfReferral: z.boolean() }),
  /** Commission booked on this order (reseller + upline), rupiah; 0 when unattributed. */
  commission: z.number().optional(),
  paymentReference: z.string().nullable(),
  createdAt: z.string(),
  statusHistory: z.array(z.object({ status: z.enum(ORDER_STATUSES), at: z.string() })).optional(),
});
export type Order = z.infer<typeof OrderSchema>;

/** What the buyer sees after checkout: how to pay and where to review later. */
export const CheckoutResultSchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  total: z.number(),
  attribution: AttributionSchema.pick({ resellerId: true, linkId: true, via: true }).nullable(),
  payment: z.unknown(),
  reviewUrl: z.string(),
});
export type CheckoutResult = z.infer<typeof CheckoutResultSchema>;

export const WhatsappOrderQuerySchema = z.strictObject({
  ref: ReferralCodeSchema.optional(),
  quantity: z.coerce.number().int().min(1).max(10_000).default(1),
});

export const ConversionSecretSchema = z.object({ secret: z.string(), createdAt: z.string() });
