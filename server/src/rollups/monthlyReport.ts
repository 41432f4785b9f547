import type { MonthlyReport } from '@tular/shared';
import { LedgerEntryModel } from '../models/LedgerEntry';
import { readRollups } from './rollupReader';
import { localParts, zonedTimeToUtc } from './buckets';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * A shop's year by month, in its time zone: orders, units and revenue of the month's orders that
 * still stand (from the rollups), commission booked on them, commission paid out during the month
 * and commission still owed to resellers at the month's end (summed from the ledger in the application).
 */
export async function buildMonthlyReport(shopId: string, year: number, timezone: string, now = new Date()): Promise<MonthlyReport> {
  const months: MonthlyReport['months'] = Array.from({ length: 12 }, (_, i) => ({
    month: `${year}-${pad(i + 1)}`,
    orders: 0,
    units: 0,
    revenue: 0,
    commission: 0,
    commissionPaid: 0,
    commissionOwed: 0,
  }));
  const days = await readRollups({ scope: 'shop', shopId, granularity: 'day', periodFrom: `${year}-01-01`, periodTo: `${year + 1}-01-01` });
  for (const d of days) {
    const m = months[Number(d.period.slice(5, 7)) - 1];
    if (!m) continue;
    m.orders += d.orders;
    m.units += d.units;
    m.revenue += d.revenue;
    m.commission += d.commission;
  }

  // Month boundaries in the shop's zone; what is owed carries over from before the year.
  const bounds = Array.from({ length: 13 }, (_, i) => zonedTimeToUtc(year, i + 1, 1, 0, timezone).getTime());
  const paidByMonth = new Array<number>(12).fill(0);
  const owedChangeByMonth = new Array<number>(12).fill(0);
  let owedBefore = 0;
  const cursor = LedgerEntryModel.find({ shopId, createdAt: { $lt: new Date(bounds[12]!) } }, { deltas: 1, createdAt: 1 })
    .lean()
    .cursor();
  for await (const e of cursor) {
    const d: Partial<Record<'pending' | 'approved' | 'available' | 'reserved' | 'paid', number | null>> = e.deltas ?? {};
    const owedDelta = (d.pending ?? 0) + (d.approved ?? 0) + (d.available ?? 0) + (d.reserved ?? 0);
    const t = (e.createdAt as Date).getTime();
    if (t < bounds[0]!) {
      owedBefore += owedDelta;
      continue;
    }
    const i = Math.min(11, Math.max(0, bounds.findIndex((b) => b > t) - 1));
    paidByMonth[i]! += d.paid ?? 0;
    owedChangeByMonth[i]! += owedDelta;
  }
  const current = localParts(now, timezone);
  let owed = owedBefore;
  for (let i = 0; i < 12; i += 1) {
    owed += owedChangeByMonth[i]!;
    months[i]!.commissionPaid = paidByMonth[i]!;
    // A month that has not begun owes nothing yet.
    const started = year < current.year || (year === current.year && i + 1 <= current.month);
    months[i]!.commissionOwed = started ? owed : 0;
  }
  const totals = months.reduce(
    (t, m) => ({
      orders: t.orders + m.orders,
      units: t.units + m.units,
      revenue: t.revenue + m.revenue,
      commission: t.commission + m.commission,
      commissionPaid: t.commissionPaid + m.commissionPaid,
    }),
    { orders: 0, units: 0, revenue: 0, commission: 0, commissionPaid: 0 },
  );
  return { shopId, year, timezone, months, totals };
}

/** `2026-11-22 08:15` in the zone: what a bookkeeper expects in a spreadsheet. */
export function localDateTime(at: Date, timezone: string): string {
  const p = localParts(at, timezone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}
