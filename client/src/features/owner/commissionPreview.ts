import { computeCommission, computeUplineCommission, formatRupiah, type Segment } from '@tular/shared';
import type { CommissionRulesInput } from '../../api/types';

export interface PreviewLine {
  segment: Segment;
  amount: number;
  upline: number;
  text: { qty: number; price: string; amount: string };
}

/**
 * "A follower selling 2 × Rp 25.000 earns Rp 3.500": the same calculator the server books commissions
 * with, so the preview can never promise a different number than the ledger pays.
 */
export function previewCommission(
  rules: CommissionRulesInput,
  productRules: CommissionRulesInput | null,
  segment: Segment,
  quantity: number,
  unitPrice: number,
): PreviewLine {
  const normalize = (r: CommissionRulesInput) => ({ ...r, tiers: r.tiers ?? [], uplineBp: r.uplineBp ?? 0 });
  const result = computeCommission({
    rules: normalize(rules),
    productRules: productRules ? normalize(productRules) : null,
    segment,
    quantity,
    unitPrice,
    monthlySalesBefore: 0,
  });
  const upline = computeUplineCommission(result.base, rules.uplineBp ?? 0);
  return { segment, amount: result.amount, upline, text: { qty: quantity, price: formatRupiah(unitPrice), amount: formatRupiah(result.amount) } };
}
