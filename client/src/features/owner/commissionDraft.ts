import { SEGMENTS, type Segment } from '@tular/shared';
import type { CommissionRulesInput } from '../../api/types';
import { formatBasisPoints, parseRupiahInput, percentToBasisPoints } from '../../lib/format';

/** What the owner types: percents and rupiah as text, converted to basis points / integers on save. */
export interface CommissionDraft {
  type: 'percent' | 'flat';
  rates: Record<Segment, string>;
  uplinePct: string;
  tiers: Array<{ min: string; bonusPct: string }>;
}

const pct = (bp: number) => formatBasisPoints(bp, 'en-US').replace('%', '');

export function toDraft(rules: CommissionRulesInput): CommissionDraft {
  const rates = {} as Record<Segment, string>;
  for (const s of SEGMENTS) rates[s] = rules.type === 'flat' ? String(rules.bySegment[s]) : pct(rules.bySegment[s]);
  return {
    type: rules.type,
    rates,
    uplinePct: pct(rules.uplineBp ?? 0),
    tiers: (rules.tiers ?? []).map((t) => ({ min: String(t.minMonthlySales), bonusPct: pct(t.bonusBp) })),
  };
}

/** The rules the API takes, or null while some box holds something that is not a number. */
export function fromDraft(draft: CommissionDraft): CommissionRulesInput | null {
  const bySegment = {} as Record<Segment, number>;
  for (const s of SEGMENTS) {
    const v = draft.type === 'flat' ? parseRupiahInput(draft.rates[s]) : percentToBasisPoints(draft.rates[s]);
    if (v === null) return null;
    bySegment[s] = v;
  }
  const uplineBp = draft.uplinePct.trim() === '' ? 0 : percentToBasisPoints(draft.uplinePct);
  if (uplineBp === null) return null;
  const tiers: Array<{ minMonthlySales: number; bonusBp: number }> = [];
  for (const t of draft.tiers) {
    const min = parseRupiahInput(t.min);
    const bonus = percentToBasisPoints(t.bonusPct);
    if (min === null || bonus === null) return null;
    tiers.push({ minMonthlySales: min, bonusBp: bonus });
  }
  return { type: draft.type, bySegment, uplineBp, tiers };
}

/**
 * The rules as typed, for validation with the shared schema: a box that is not a number keeps its
 * text, so the schema names that very box instead of the commission being silently left out.
 */
export function draftForValidation(draft: CommissionDraft): unknown {
  const pctOrText = (v: string) => percentToBasisPoints(v) ?? v;
  const rupiahOrText = (v: string) => parseRupiahInput(v) ?? v;
  const bySegment = {} as Record<Segment, number | string>;
  for (const s of SEGMENTS) bySegment[s] = draft.type === 'flat' ? rupiahOrText(draft.rates[s]) : pctOrText(draft.rates[s]);
  return {
    type: draft.type,
    bySegment,
    uplineBp: draft.uplinePct.trim() === '' ? 0 : pctOrText(draft.uplinePct),
    tiers: draft.tiers.map((t) => ({ minMonthlySales: rupiahOrText(t.min), bonusBp: pctOrText(t.bonusPct) })),
  };
}

/** Which unit a commission box is typed in, from its field key (`commission.tiers.0.bonusBp` → percent). */
export function commissionBoxUnit(field: string, type: CommissionDraft['type']): 'percent' | 'rupiah' | null {
  const m = /(?:^|\.)commission\.(bySegment\.\w+|uplineBp|tiers\.\d+\.(?:minMonthlySales|bonusBp))$/.exec(field);
  if (!m) return null;
  if (m[1]!.startsWith('bySegment')) return type === 'flat' ? 'rupiah' : 'percent';
  return m[1]!.endsWith('minMonthlySales') ? 'rupiah' : 'percent';
}
