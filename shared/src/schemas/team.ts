import { z } from 'zod';
import { SEGMENTS } from '../enums';
import { CursorQuerySchema } from './common';

/** `GET /me/team`: the reseller's direct downline (people who registered with their invite), newest first. */
export const TeamListQuerySchema = CursorQuerySchema;
export type TeamListQuery = z.infer<typeof TeamListQuerySchema>;

export const TeamMemberSchema = z.object({
  id: z.string(),
  name: z.string(),
  segment: z.enum(SEGMENTS).nullable(),
  joinedAt: z.string(),
  /** This calendar month (Asia/Jakarta day buckets), summed over every shop, from the rollups. */
  month: z.object({
    label: z.string(),
    orders: z.number().int(),
    revenue: z.number().int(),
    commission: z.number().int(),
  }),
});
export type TeamMember = z.infer<typeof TeamMemberSchema>;
