import { describe, expect, it } from 'vitest';
import { DEFAULT_COMMISSION } from '@tular/shared';
import { previewCommission } from './commissionPreview';
import { fromDraft, toDraft } from './commissionDraft';

describe('commission preview', () => {
  it('says what the issue promises: a follower selling 2 × Rp 25.000 earns Rp 3.500', () => {
    const line = previewCommission(DEFAULT_COMMISSION, null, 'follower', 2, 25_000);
    expect(line.amount).toBe(3500);
    expect(line.text).toEqual({ qty: 2, price: 'Rp 25.000', amount: 'Rp 3.500' });
  });

  it('pays the upline its rate on the same base', () => {
    expect(previewCommission(DEFAULT_COMMISSION, null, 'buzzer', 2, 25_000).upline).toBe(1000);
  });

  it('uses the product override instead of the shop rate, and flat rupiah per unit', () => {
    const flat = { type: 'flat' as const, bySegment: { buzzer: 1000, influencer: 2500, follower: 1500 } };
    expect(previewCommission(DEFAULT_COMMISSION, flat, 'influencer', 3, 40_000).amount).toBe(7500);
  });

  it('rounds down to the whole rupiah', () => {
    // 7% of 3 × 333 = 69.93 → 69
    expect(previewCommission(DEFAULT_COMMISSION, null, 'follower', 3, 333).amount).toBe(69);
  });
});

describe('commission form draft', () => {
  it('round-trips the shop defaults through the percent boxes', () => {
    const draft = toDraft(DEFAULT_COMMISSION);
    expect(draft.rates).toEqual({ buzzer: '5', influencer: '10', follower: '7' });
    expect(fromDraft(draft)).toEqual({ ...DEFAULT_COMMISSION });
  });

  it('accepts a comma decimal and tiers in rupiah', () => {
    const draft = { type: 'percent' as const, rates: { buzzer: '5,5', influencer: '10', follower: '7' }, uplinePct: '2', tiers: [{ min: '1.000.000', bonusPct: '2' }] };
    expect(fromDraft(draft)).toEqual({
      type: 'percent',
      bySegment: { buzzer: 550, influencer: 1000, follower: 700 },
      uplineBp: 200,
      tiers: [{ minMonthlySales: 1_000_000, bonusBp: 200 }],
    });
  });

  it('has no rules (so no preview) while a box holds something that is not a number', () => {
    const draft = { ...toDraft(DEFAULT_COMMISSION), rates: { buzzer: 'lima', influencer: '10', follower: '7' } };
    expect(fromDraft(draft)).toBeNull();
  });
});
