import { z } from 'zod';

export const ReviewCreateSchema = z.strictObject({
  rating: z.number().int().min(1).max(5),
  text: z.string().trim().min(1).max(1000),
  /** A buyer's private token from the order confirmation; resellers sign in instead. */
  reviewToken: z.string().trim().min(10).max(100).optional(),
  name: z.string().trim().min(1).max(60).optional(),
});
export type ReviewCreateInput = z.infer<typeof ReviewCreateSchema>;

export const ReviewHideSchema = z.strictObject({ hidden: z.boolean() });

export const ReviewSchema = z.object({
  id: z.string(),
  productId: z.string(),
  rating: z.number(),
  text: z.string(),
  authorName: z.string(),
  author: z.enum(['buyer', 'reseller']),
  verifiedPurchase: z.boolean(),
  hidden: z.boolean(),
  createdAt: z.string(),
});
export type Review = z.infer<typeof ReviewSchema>;

export const RatingSchema = z.object({ productId: z.string(), count: z.number(), average: z.number().nullable() });
export type Rating = z.infer<typeof RatingSchema>;
