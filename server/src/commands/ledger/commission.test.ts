import { computeCommission, computeUplineCommission, tierBonusBp, type CommissionRuleSet } from '@tular/shared';

const percent: CommissionRuleSet = {
  type: 'percent',
  bySegment: { buzzer: 500, influencer: 1000, follower: 700 },
  tiers: [
    { minMonthlySales: 1_000_000, bonusBp: 200 },
    { minMonthlySales: 5_000_000, bonusBp: 300 },
  ],
  uplineBp: 200,
};

describe('computeCommission', () => {
  it('a follower selling 2 × Rp 25.000 at 7% earns Rp 3.500', () => {
    expect(computeCommission({ rules: percent, segment: 'follower', quantity: 2, unitPrice: 25_000, monthlySalesBefore: 0 })).toEqual({
      base: 50_000,
      rateBp: 700,
      bonusBp: 0,
      amount: 3_500,
    });
  });

  it('rates differ by segment', () => {
    const at = (segment: 'buzzer' | 'influencer') => computeCommission({ rules: percent, segment, quantity: 1, unitPrice: 40_000, monthlySalesBefore: 0 }).amount;
    expect(at('buzzer')).toBe(2_000);
    expect(at('influencer')).toBe(4_000);
  });

  it('rounds down to the whole rupiah (7% of Rp 12.345 = 864.15 → Rp 864)', () => {
    expect(computeCommission({ rules: percent, segment: 'follower', quantity: 1, unitPrice: 12_345, monthlySalesBefore: 0 }).amount).toBe(864);
    // 3 × Rp 333 at 5% = 49.95 → Rp 49
    expect(computeCommission({ rules: percent, segment: 'buzzer', quantity: 3, unitPrice: 333, monthlySalesBefore: 0 }).amount).toBe(49);
  });

  it('rate and tier bonus are rounded once together (never loses the reseller a rupiah)', () => {
    // 7% + 2% of Rp 12.345: 864.15 + 246.9 = 1111.05 → Rp 1.111 (separately floored it would be 864 + 246 = 1.110)
    const r = computeCommission({ rules: percent, segment: 'follower', quantity: 1, unitPrice: 12_345, monthlySalesBefore: 1_000_000 });
    expect(r).toEqual({ base: 12_345, rateBp: 700, bonusBp: 200, amount: 1_111 });
  });

  it('the highest tier reached by this month’s fulfilled sales before the order applies', () => {
    expect(tierBonusBp(percent.tiers, 999_999)).toBe(0);
    expect(tierBonusBp(percent.tiers, 1_000_000)).toBe(200);
    expect(tierBonusBp(percent.tiers, 4_999_999)).toBe(200);
    expect(tierBonusBp(percent.tiers, 5_000_000)).toBe(300);
    expect(tierBonusBp([{ minMonthlySales: 5, bonusBp: 9 }, { minMonthlySales: 1, bonusBp: 1 }], 10)).toBe(9);
    const r = computeCommission({ rules: percent, segment: 'influencer', quantity: 4, unitPrice: 25_000, monthlySalesBefore: 6_000_000 });
    expect(r.amount).toBe(13_000); // 13% of Rp 100.000
  });

  it('flat rules pay rupiah per unit, plus any tier bonus on the base', () => {
    const flat: CommissionRuleSet = { type: 'flat', bySegment: { buzzer: 1_000, influencer: 2_500, follower: 1_500 }, tiers: [{ minMonthlySales: 100_000, bonusBp: 100 }] };
    expect(computeCommission({ rules: flat, segment: 'follower', quantity: 3, unitPrice: 25_000, monthlySalesBefore: 0 })).toEqual({
      base: 75_000,
      flatPerUnit: 1_500,
      bonusBp: 0,
      amount: 4_500,
    });
    // + 1% of Rp 75.000
    expect(computeCommission({ rules: flat, segment: 'follower', quantity: 3, unitPrice: 25_000, monthlySalesBefore: 100_000 }).amount).toBe(5_250);
  });

  it('a product override replaces the shop default; its own tiers win when it has any', () => {
    const override: CommissionRuleSet = { type: 'percent', bySegment: { buzzer: 1500, influencer: 1500, follower: 1500 }, tiers: [] };
    const withShopTiers = computeCommission({ rules: percent, productRules: override, segment: 'follower', quantity: 1, unitPrice: 10_000, monthlySalesBefore: 2_000_000 });
    expect(withShopTiers).toEqual({ base: 10_000, rateBp: 1500, bonusBp: 200, amount: 1_700 });
    const ownTiers = computeCommission({
      rules: percent,
      productRules: { ...override, tiers: [{ minMonthlySales: 0, bonusBp: 50 }] },
      segment: 'follower',
      quantity: 1,
      unitPrice: 10_000,
      monthlySalesBefore: 2_000_000,
    });
    expect(ownTiers.amount).toBe(1_550);
  });

  it('the upline earns the shop’s upline rate on the same base, rounded down', () => {
    expect(computeUplineCommission(50_000, 200)).toBe(1_000);
    expect(computeUplineCommission(12_345, 200)).toBe(246);
    expect(computeUplineCommission(49, 200)).toBe(0);
  });
});
