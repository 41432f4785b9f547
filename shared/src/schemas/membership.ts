import { z } from 'zod';
import { SEGMENTS } from '../enums';
import { CursorQuerySchema } from './common';
import { ShopSummarySchema } from './shop';

export const MEMBERSHIP_STATUSES = ['pending', 'approved', 'blocked'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** The owner decides: approve a pending (or blocked) reseller, or block one. */
export const MembershipUpdateSchema = z.strictObject({
  status: z.enum(['approved', 'blocked']),
});
export type MembershipUpdate = z.infer<typeof MembershipUpdateSchema>;

export const ShopResellerListQuerySchema = CursorQuerySchema.extend({
  status: z.enum(MEMBERSHIP_STATUSES).optional(),
});
export type ShopResellerListQuery = z.output<typeof ShopResellerListQuerySchema>;

export const MyMembershipListQuerySchema = CursorQuerySchema.extend({
  status: z.enum(MEMBERSHIP_STATUSES).optional(),
});

export const MembershipSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  resellerId: z.string(),
  status: z.enum(MEMBERSHIP_STATUSES),
  /** The reseller's segment when they joined; commission rates follow it. */
  segment: z.enum(SEGMENTS),
  joinedAt: z.string(),
  decidedAt: z.string().nullable(),
});
export type Membership = z.infer<typeof MembershipSchema>;

/** A row of the owner's reseller list. */
export const ShopResellerSchema = MembershipSchema.extend({
  reseller: z.object({ id: z.string(), name: z.string() }),
});
export type ShopReseller = z.infer<typeof ShopResellerSchema>;

/** A row of the reseller's own list: which shops they are in. */
export const MyMembershipSchema = MembershipSchema.extend({
  shop: ShopSummarySchema,
});
export type MyMembership = z.infer<typeof MyMembershipSchema>;
