import { z } from 'zod';
import { SEGMENTS } from '../enums';

const DAY_MS = 86_400_000;
export const STATS_MAX_RANGE_DAYS = 400;
export const STATS_MAX_HOUR_RANGE_DAYS = 31;

export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `2026-11-01` (a whole day in the shop's time zone: `from` at its midnight, `to` through its end)
 * or a full ISO instant `2026-11-01T10:00:00Z` (`to` exclusive).
 */
const DateParam = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?$/, 'must be a date (2026-11-01) or an ISO time with zone')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real date');

export const STATS_GRANULARITIES = ['hour', 'day'] as const;
export type StatsGranularity = (typeof STATS_GRANULARITIES)[number];

const rangeFields = {
  from: DateParam.optional(),
  to: DateParam.optional(),
};

/** from < to, at most 400 days, hour granularity at most 31 days — each failure names its field. */
function checkRange(v: { from?: string; to?: string; granularity?: StatsGranularity }, ctx: z.RefinementCtx): void {
  if (!v.from || !v.to) return;
  // A date-only `to` includes that whole day.
  const span = Date.parse(v.to) + (DATE_ONLY.test(v.to) ? DAY_MS : 0) - Date.parse(v.from);
  if (span <= 0) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    return;
  }
  if (span > STATS_MAX_RANGE_DAYS * DAY_MS) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `the range may cover at most ${STATS_MAX_RANGE_DAYS} days` });
  }
  if (v.granularity === 'hour' && span > STATS_MAX_HOUR_RANGE_DAYS * DAY_MS) {
    ctx.addIssue({ code: 'custom', path: ['granularity'], message: `hourly stats cover at most ${STATS_MAX_HOUR_RANGE_DAYS} days; use day` });
  }
}

/** A date range for exports (`from`/`to` as above, at most 400 days). */
export const DateRangeQuerySchema = z.strictObject(rangeFields).superRefine(checkRange);
export type DateRangeQuery = z.infer<typeof DateRangeQuerySchema>;

export const SHOP_STATS_BREAKDOWNS = ['product', 'reseller', 'segment', 'channel', 'link'] as const;
export const MY_STATS_BREAKDOWNS = ['shop', 'product', 'link'] as const;

export const ShopStatsQuerySchema = z
  .strictObject({ ...rangeFields, granularity: z.enum(STATS_GRANULARITIES).default('day'), by: z.enum(SHOP_STATS_BREAKDOWNS).optional() })
  .superRefine(checkRange);
export type ShopStatsQuery = z.infer<typeof ShopStatsQuerySchema>;

export const MyStatsQuerySchema = z
  .strictObject({ ...rangeFields, granularity: z.enum(STATS_GRANULARITIES).default('day'), by: z.enum(MY_STATS_BREAKDOWNS).optional() })
  .superRefine(checkRange);
export type MyStatsQuery = z.infer<typeof MyStatsQuerySchema>;

const MetricsSchema = z.object({
  clicks: z.number(),
  uniqueClicks: z.number(),
  botClicks: z.number(),
  previews: z.number(),
  orders: z.number(),
  units: z.number(),
  revenue: z.number(),
  commission: z.number(),
  conversionBp: z.number(),
  epc: z.number(),
  aov: z.number(),
});

export const StatsResultSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), granularity: z.enum(STATS_GRANULARITIES), timezone: z.string() }),
  totals: MetricsSchema,
  series: z.array(MetricsSchema.extend({ period: z.string(), start: z.string() })),
  breakdown: z
    .array(MetricsSchema.extend({ key: z.string(), label: z.string(), segment: z.enum(SEGMENTS).nullable().optional() }))
    .optional(),
});
export type StatsResult = z.infer<typeof StatsResultSchema>;

export const LeaderboardQuerySchema = z.strictObject({
  period: z.enum(['month']).default('month'),
  /** A past month, `2026-10`; this month by default. */
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type LeaderboardQuery = z.infer<typeof LeaderboardQuerySchema>;

export const LeaderboardEntrySchema = z.object({
  rank: z.number(),
  resellerId: z.string(),
  name: z.string(),
  segment: z.enum(SEGMENTS).nullable(),
  orders: z.number(),
  units: z.number(),
  /** Shop boards only (owners see money; the public board shows counts). */
  revenue: z.number().optional(),
  commission: z.number().optional(),
  clicks: z.number().optional(),
});
export const LeaderboardSchema = z.object({ month: z.string(), title: z.string(), entries: z.array(LeaderboardEntrySchema) });
export type LeaderboardEntry = z.infer<typeof LeaderboardEntrySchema>;
export type Leaderboard = z.infer<typeof LeaderboardSchema>;

export const PreferencesUpdateSchema = z.strictObject({ leaderboardOptOut: z.boolean() });
export type PreferencesUpdate = z.infer<typeof PreferencesUpdateSchema>;

export const MonthlyReportQuerySchema = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
});

export const MonthlyReportRowSchema = z.object({
  month: z.string(),
  orders: z.number(),
  units: z.number(),
  revenue: z.number(),
  /** Commission booked on the month's orders. */
  commission: z.number(),
  /** Commission paid out to resellers during the month. */
  commissionPaid: z.number(),
  /** Commission owed to resellers at the end of the month (earned, not yet paid). */
  commissionOwed: z.number(),
});
export const MonthlyReportSchema = z.object({
  shopId: z.string(),
  year: z.number(),
  timezone: z.string(),
  months: z.array(MonthlyReportRowSchema),
  totals: MonthlyReportRowSchema.omit({ month: true, commissionOwed: true }),
});
export type MonthlyReport = z.infer<typeof MonthlyReportSchema>;
