import { z } from 'zod';
import { IndonesianPhoneSchema, ObjectIdSchema } from './common';
import { QuantitySchema } from './orders';

export const CLAIM_STATUSES = ['pending', 'confirmed', 'rejected'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** A reseller records a sale closed in a chat; no commission until the owner confirms it. */
export const ClaimCreateSchema = z.strictObject({
  productId: ObjectIdSchema,
  quantity: QuantitySchema,
  buyer: z.strictObject({
    name: z.string().trim().min(1).max(100).default('Pembeli'),
    phone: IndonesianPhoneSchema,
    address: z.string().trim().max(500).default(''),
  }),
  note: z.string().trim().max(500).optional(),
  /** An uploaded file id (transfer receipt photo), when the upload route is available. */
  receiptFileId: ObjectIdSchema.optional(),
});
export type ClaimCreateInput = z.infer<typeof ClaimCreateSchema>;

export const ClaimDecisionSchema = z.strictObject({
  status: z.enum(['confirmed', 'rejected']),
  reason: z.string().trim().max(300).optional(),
});
export type ClaimDecisionInput = z.infer<typeof ClaimDecisionSchema>;

export const ClaimListQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  shopId: ObjectIdSchema.optional(),
  status: z.enum(CLAIM_STATUSES).optional(),
});

export const ClaimSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  productId: z.string(),
  resellerId: z.string(),
  quantity: z.number(),
  buyer: z.object({ name: z.string(), phone: z.string(), address: z.string() }),
  note: z.string().nullable(),
  receiptFileId: z.string().nullable(),
  status: z.enum(CLAIM_STATUSES),
  reason: z.string().nullable(),
  orderId: z.string().nullable(),
  createdAt: z.string(),
});
export type Claim = z.infer<typeof ClaimSchema>;
