import { describe, expect, it } from 'vitest';
import { applyClicks, applyOrders, applySnapshot, EMPTY_TOTALS } from './liveTotals';

const item = (over: Partial<Parameters<typeof applyOrders>[1]['items'][number]> = {}) => ({
  orderId: 'o1',
  shopId: 's1',
  productId: 'p1',
  resellerId: null,
  segment: null,
  status: 'pending' as const,
  previousStatus: null,
  quantity: 2,
  total: 50_000,
  at: '2026-11-22T03:00:00Z',
  ...over,
});

describe('live dashboard totals', () => {
  it('adds human clicks, unique clicks and previews from a click message', () => {
    const t = applyClicks(EMPTY_TOTALS, { clicks: 3, uniqueClicks: 2, previews: 1 });
    expect(t).toMatchObject({ clicks: 3, uniqueClicks: 2, previews: 1 });
  });

  it('counts only newly placed orders, not status changes of older ones', () => {
    const t = applyOrders(EMPTY_TOTALS, { items: [item(), item({ orderId: 'o2', status: 'fulfilled', previousStatus: 'paid' })] });
    expect(t).toMatchObject({ orders: 1, revenue: 50_000 });
  });

  it('lets the next snapshot replace the running figures (it is the truth)', () => {
    const running = applyClicks(EMPTY_TOTALS, { clicks: 5, uniqueClicks: 5, previews: 0 });
    const t = applySnapshot(running, { day: '2026-11-22', clicks: 4, uniqueClicks: 3, previews: 0, orders: 1, revenue: 25_000, commission: 1750 });
    expect(t).toEqual({ day: '2026-11-22', clicks: 4, uniqueClicks: 3, previews: 0, orders: 1, revenue: 25_000, commission: 1750 });
  });
});
