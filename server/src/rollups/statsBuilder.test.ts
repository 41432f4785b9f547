import { emptyCounts } from '../models/Rollup';
import { buildSeries } from './statsBuilder';
import { periodsOf, resolveRange } from './statsRange';

const bucket = (shopId: string, period: string, start: string, clicks: number) => ({ shopId, key: 'r', period, start: new Date(start), ...emptyCounts(), clicks });

describe('stats series', () => {
  it('merges the same hour from shops in different zones (Jakarta 08:00 = Makassar 09:00)', () => {
    const range = resolveRange({ from: '2026-11-22T01:00:00Z', to: '2026-11-22T03:00:00Z', granularity: 'hour' }, 'Asia/Jakarta');
    const { series, totals } = buildSeries(range, [bucket('a', '2026-11-22T08', '2026-11-22T01:00:00Z', 2), bucket('b', '2026-11-22T09', '2026-11-22T01:00:00Z', 3)]);
    expect(series.map((s) => [s.period, s.clicks])).toEqual([
      ['2026-11-22T08', 5],
      ['2026-11-22T09', 0],
    ]);
    expect(totals.clicks).toBe(5);
  });

  it('lists every local day of a range, an inclusive date-only `to` included', () => {
    const range = resolveRange({ from: '2026-11-01', to: '2026-11-30', granularity: 'day' }, 'Asia/Jakarta');
    const days = periodsOf(range);
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ period: '2026-11-01', start: new Date('2026-10-31T17:00:00Z') });
    expect(days[29]!.period).toBe('2026-11-30');
  });

  it('defaults to the last 30 days, or 48 hours when hourly', () => {
    const now = new Date('2026-11-22T05:30:00Z');
    expect(periodsOf(resolveRange({ granularity: 'day' }, 'Asia/Jakarta', now))).toHaveLength(31);
    expect(periodsOf(resolveRange({ granularity: 'hour' }, 'Asia/Jakarta', now))).toHaveLength(49);
  });
});
