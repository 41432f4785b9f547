/** Raw counters as kept by the rollups. */
export interface StatsCounts {
  clicks: number;
  uniqueClicks: number;
  botClicks: number;
  previews: number;
  orders: number;
  units: number;
  revenue: number;
  commission: number;
}

export interface StatsMetrics extends StatsCounts {
  /** Orders per human click, in basis points (1% = 100); 0 when there were no clicks. */
  conversionBp: number;
  /** Earnings (commission) per 100 clicks, whole rupiah rounded down; 0 when there were no clicks. */
  epc: number;
  /** Average order value, whole rupiah rounded down; 0 when there were no orders. */
  aov: number;
}

/** The derived numbers, guarded so an empty period reads 0 — never NaN or Infinity. */
export function computeStatsMetrics(c: StatsCounts): StatsMetrics {
  const clicks = Math.max(0, c.clicks);
  const orders = Math.max(0, c.orders);
  return {
    ...c,
    conversionBp: clicks > 0 ? Math.round((orders * 10_000) / clicks) : 0,
    epc: clicks > 0 ? Math.floor((c.commission * 100) / clicks) : 0,
    aov: orders > 0 ? Math.floor(c.revenue / orders) : 0,
  };
}
