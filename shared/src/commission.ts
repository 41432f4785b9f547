import { applyBasisPoints } from './money';
import type { Segment } from './enums';

/**
 * The commission rules a shop (or a product override) sets. Structural, so the shop schema's
 * `CommissionRules` type fits without this module importing it.
 * `type: 'percent'` → `bySegment` values are basis points; `type: 'flat'` → rupiah per unit.
 */
export interface CommissionRuleSet {
  type: 'percent' | 'flat';
  bySegment: Record<Segment, number>;
  tiers?: ReadonlyArray<{ minMonthlySales: number; bonusBp: number }>;
  uplineBp?: number;
}

export interface CommissionInput {
  /** The shop's default rules. */
  rules: CommissionRuleSet;
  /** The product's override; when present it replaces the shop's rate (and its tiers, if it has any). */
  productRules?: CommissionRuleSet | null;
  segment: Segment;
  quantity: number;
  unitPrice: number;
  /**
   * The reseller's fulfilled attributed sales (rupiah, order totals) in this shop during the current
   * calendar month (shop time zone), counted before this order. Picks the volume tier.
   */
  monthlySalesBefore: number;
}

export interface CommissionResult {
  base: number;
  rateBp?: number;
  flatPerUnit?: number;
  bonusBp: number;
  amount: number;
}

/** The highest tier whose threshold the month's sales so far have reached; 0 bp when none. */
export function tierBonusBp(tiers: CommissionRuleSet['tiers'], monthlySalesBefore: number): number {
  let bonus = 0;
  let reached = -1;
  for (const tier of tiers ?? []) {
    if (monthlySalesBefore >= tier.minMonthlySales && tier.minMonthlySales > reached) {
      reached = tier.minMonthlySales;
      bonus = tier.bonusBp;
    }
  }
  return bonus;
}

/**
 * A reseller's commission on one order line. Percent: floor(base × (rate + bonus) / 10 000) — one
 * rounding over the summed rate, so splitting rate and bonus never loses the reseller a rupiah.
 * Flat: rupiah per unit × quantity, plus floor(base × bonus / 10 000).
 */
export function computeCommission(input: CommissionInput): CommissionResult {
  const { rules, productRules, segment, quantity, unitPrice, monthlySalesBefore } = input;
  if (!Number.isSafeInteger(quantity) || quantity < 0 || !Number.isSafeInteger(unitPrice) || unitPrice < 0) {
    throw new RangeError('quantity and unitPrice must be non-negative integers');
  }
  const effective = productRules ?? rules;
  const base = quantity * unitPrice;
  const bonusBp = tierBonusBp(productRules?.tiers?.length ? productRules.tiers : rules.tiers, monthlySalesBefore);
  const value = effective.bySegment[segment] ?? 0;
  if (effective.type === 'flat') {
    return { base, flatPerUnit: value, bonusBp, amount: value * quantity + applyBasisPoints(base, bonusBp) };
  }
  return { base, rateBp: value, bonusBp, amount: applyBasisPoints(base, value + bonusBp) };
}

/** The upline's team reward on the same base, at the shop's upline rate; rounded down. */
export function computeUplineCommission(base: number, uplineBp: number): number {
  return applyBasisPoints(base, uplineBp);
}
