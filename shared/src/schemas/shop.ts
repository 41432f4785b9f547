import { z } from 'zod';
import { SEGMENTS } from '../enums';
import { BasisPointsSchema, CursorQuerySchema, IndonesianPhoneSchema, ObjectIdSchema, RupiahSchema } from './common';

export const COMMISSION_TYPES = ['percent', 'flat'] as const;
export type CommissionType = (typeof COMMISSION_TYPES)[number];
export const JOIN_POLICIES = ['open', 'approval'] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];
export const HOLD_DAYS = [0, 7, 14, 30] as const;
export const PAYMENT_METHODS = ['bank', 'ewallet'] as const;

export const DEFAULT_TIMEZONE = 'Asia/Jakarta';
export const DEFAULT_ATTRIBUTION_DAYS = 7;
export const DEFAULT_HOLD_DAYS = 7;
export const DEFAULT_MIN_PAYOUT = 10_000;

/** Basis points per segment, or rupiah per unit when `type` is `flat`. */
const SegmentRatesSchema = z.strictObject({
  buzzer: RupiahSchema,
  influencer: RupiahSchema,
  follower: RupiahSchema,
});

export const CommissionTierSchema = z.strictObject({
  /** Monthly attributed sales (rupiah) from which the bonus applies. */
  minMonthlySales: RupiahSchema,
  bonusBp: BasisPointsSchema,
});

/**
 * Commission rules of a shop (defaults) or a product (override).
 * `percent`: bySegment in basis points of quantity × unit price; `flat`: rupiah per unit sold.
 * Tier bonuses and the upline override are always basis points of the same base.
 */
export const CommissionRulesSchema = z
  .strictObject({
    type: z.enum(COMMISSION_TYPES),
    bySegment: SegmentRatesSchema,
    tiers: z.array(CommissionTierSchema).max(10).default([]),
    uplineBp: BasisPointsSchema.default(0),
  })
  .superRefine((rules, ctx) => {
    const maxBonus = Math.max(0, ...rules.tiers.map((t) => t.bonusBp));
    for (const segment of SEGMENTS) {
      const rate = rules.bySegment[segment];
      // A percent rate plus the best bonus and the upline share can never pay out more than the sale.
      if (rules.type === 'percent' && rate + maxBonus + rules.uplineBp > 10_000) {
        ctx.addIssue({ code: 'custom', path: ['bySegment', segment], message: 'rate + best tier bonus + uplineBp must not exceed 10000 bp (100%)' });
      }
    }
    const thresholds = rules.tiers.map((t) => t.minMonthlySales);
    if (new Set(thresholds).size !== thresholds.length) {
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'each tier needs a different minMonthlySales' });
    }
  });
export type CommissionRules = z.output<typeof CommissionRulesSchema>;
export type CommissionRulesInput = z.input<typeof CommissionRulesSchema>;

export const DEFAULT_COMMISSION: CommissionRules = {
  type: 'percent',
  bySegment: { buzzer: 500, influencer: 1000, follower: 700 },
  tiers: [],
  uplineBp: 200,
};

/** Lowercase letters, digits and inner hyphens; 3–40 characters. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;
export const SlugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(SLUG_PATTERN, 'must be 3–40 lowercase letters, digits or hyphens, not starting or ending with a hyphen')
  // 24-hex strings are reserved: GET /shops/:slug also accepts a shop id.
  .refine((slug) => !/^[a-f0-9]{24}$/.test(slug), 'must not look like an id');

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
export const TimeZoneSchema = z.string().trim().min(1).max(64).refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Jakarta');

export const PaymentInstructionSchema = z.strictObject({
  method: z.enum(PAYMENT_METHODS),
  /** e.g. BCA, BRI, Mandiri, GoPay, OVO, DANA, ShopeePay */
  provider: z.string().trim().min(1).max(50),
  accountName: z.string().trim().min(1).max(100),
  accountNumber: z
    .string()
    .trim()
    .min(3)
    .max(40)
    .regex(/^[0-9+][0-9 -]*$/, 'must be digits (spaces and dashes allowed)'),
});
export type PaymentInstruction = z.infer<typeof PaymentInstructionSchema>;

const HoldDaysSchema = z.literal(HOLD_DAYS, { error: 'must be 0, 7, 14 or 30' });

/** Field rules shared by create and update; defaults are added only on create so a PATCH never resets a field. */
const shopFields = {
  name: z.string().trim().min(1).max(100),
  slug: SlugSchema,
  whatsapp: IndonesianPhoneSchema,
  description: z.string().trim().max(2000),
  city: z.string().trim().max(80),
  category: z.string().trim().max(50),
  timezone: TimeZoneSchema,
  joinPolicy: z.enum(JOIN_POLICIES),
  commission: CommissionRulesSchema,
  attributionDays: z.number().int().min(1).max(90),
  holdDays: HoldDaysSchema,
  minPayout: RupiahSchema.min(1).max(100_000_000),
  paymentInstructions: z.array(PaymentInstructionSchema).max(5),
};

export const ShopCreateSchema = z.strictObject({
  name: shopFields.name,
  slug: shopFields.slug,
  whatsapp: shopFields.whatsapp,
  description: shopFields.description.default(''),
  city: shopFields.city.default(''),
  category: shopFields.category.default(''),
  timezone: shopFields.timezone.default(DEFAULT_TIMEZONE),
  joinPolicy: shopFields.joinPolicy.default('open'),
  commission: shopFields.commission.default(DEFAULT_COMMISSION),
  attributionDays: shopFields.attributionDays.default(DEFAULT_ATTRIBUTION_DAYS),
  holdDays: shopFields.holdDays.default(DEFAULT_HOLD_DAYS),
  minPayout: shopFields.minPayout.default(DEFAULT_MIN_PAYOUT),
  paymentInstructions: shopFields.paymentInstructions.default([]),
});
export type ShopCreateInput = z.input<typeof ShopCreateSchema>;
export type ShopCreate = z.output<typeof ShopCreateSchema>;

export const ShopUpdateSchema = z
  .strictObject({
    name: shopFields.name.optional(),
    slug: shopFields.slug.optional(),
    whatsapp: shopFields.whatsapp.optional(),
    description: shopFields.description.optional(),
    city: shopFields.city.optional(),
    category: shopFields.category.optional(),
    timezone: shopFields.timezone.optional(),
    joinPolicy: shopFields.joinPolicy.optional(),
    commission: shopFields.commission.optional(),
    attributionDays: shopFields.attributionDays.optional(),
    holdDays: shopFields.holdDays.optional(),
    minPayout: shopFields.minPayout.optional(),
    paymentInstructions: shopFields.paymentInstructions.optional(),
    active: z.boolean().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'send at least one field to change');
export type ShopUpdateInput = z.input<typeof ShopUpdateSchema>;
export type ShopUpdate = z.output<typeof ShopUpdateSchema>;

const QueryText = z.string().trim().max(100);

export const ShopListQuerySchema = CursorQuerySchema.extend({
  q: QueryText.optional(),
  city: QueryText.optional(),
  category: QueryText.optional(),
  /** `mine=true`: the signed-in owner's own shops, inactive ones included. */
  mine: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export type ShopListQuery = z.output<typeof ShopListQuerySchema>;

export const ShopSlugParamsSchema = z.strictObject({ slug: z.string().trim().toLowerCase().min(1).max(40) });
export const ShopIdParamsSchema = z.strictObject({ shopId: ObjectIdSchema });

/** A shop as the API presents it. */
export const ShopSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  name: z.string(),
  slug: z.string(),
  whatsapp: z.string(),
  description: z.string(),
  city: z.string(),
  category: z.string(),
  logoUrl: z.string().nullable(),
  timezone: z.string(),
  joinPolicy: z.enum(JOIN_POLICIES),
  commission: CommissionRulesSchema,
  attributionDays: z.number(),
  holdDays: z.number(),
  minPayout: z.number(),
  paymentInstructions: z.array(PaymentInstructionSchema),
  active: z.boolean(),
  createdAt: z.string(),
});
export type Shop = z.infer<typeof ShopSchema>;

/** The few shop fields a product page or a membership row needs. */
export const ShopSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  whatsapp: z.string(),
  city: z.string(),
  logoUrl: z.string().nullable(),
});
export type ShopSummary = z.infer<typeof ShopSummarySchema>;
