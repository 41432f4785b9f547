import type { LiveClickEvent, LiveOrderEvent, LiveStatsEvent } from '../../api/types';

export interface LiveTotals {
  day: string | null;
  clicks: number;
  uniqueClicks: number;
  previews: number;
  orders: number;
  revenue: number;
  commission: number;
}

export const EMPTY_TOTALS: LiveTotals = { day: null, clicks: 0, uniqueClicks: 0, previews: 0, orders: 0, revenue: 0, commission: 0 };

/**
 * Today's numbers on the dashboard. A `stats` snapshot (every few seconds, from the rollups) is the
 * truth and replaces everything; `click` and `order` messages in between add to it so the owner sees
 * the change the moment it happens. Any drift between the two is corrected by the next snapshot.
 */
export function applySnapshot(_prev: LiveTotals, s: Pick<LiveStatsEvent, 'day' | 'clicks' | 'uniqueClicks' | 'previews' | 'orders' | 'revenue' | 'commission'>): LiveTotals {
  return { day: s.day, clicks: s.clicks, uniqueClicks: s.uniqueClicks, previews: s.previews, orders: s.orders, revenue: s.revenue, commission: s.commission };
}

export function applyClicks(prev: LiveTotals, e: Pick<LiveClickEvent, 'clicks' | 'uniqueClicks' | 'previews'>): LiveTotals {
  return { ...prev, clicks: prev.clicks + e.clicks, uniqueClicks: prev.uniqueClicks + e.uniqueClicks, previews: prev.previews + e.previews };
}

/** Only a newly placed order adds to today's orders and revenue; status changes of older ones do not. */
export function applyOrders(prev: LiveTotals, e: Pick<LiveOrderEvent, 'items'>): LiveTotals {
  let orders = prev.orders;
  let revenue = prev.revenue;
  for (const item of e.items) {
    if (item.previousStatus === null && item.status !== 'cancelled' && item.status !== 'refunded') {
      orders += 1;
      revenue += item.total;
    }
  }
  return { ...prev, orders, revenue };
}
