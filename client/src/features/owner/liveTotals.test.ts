import { describe, expect, it } from 'vitest';
import type { LiveCountsPart } from '../../api/types';
import { applyLivePart, applyLiveSnapshot, applyStoredTotals, EMPTY_LIVE_TOTALS, loadTotals, saveTotals, type LiveDayTotals } from './liveTotals';

const room = 'shop:s1';
const day = '2026-11-22';
const zero = { clicks: 0, uniqueClicks: 0, botClicks: 0, previews: 0, orders: 0, units: 0, revenue: 0, commission: 0 };
const part = (writer: string, v: number, over: Partial<LiveCountsPart> = {}): LiveCountsPart => ({ writer, v, ...zero, ...over });
const snapshot = (parts: LiveCountsPart[], d = day) => {
  const sum = (k: 'clicks' | 'uniqueClicks' | 'previews' | 'orders' | 'revenue' | 'commission') => parts.reduce((n, p) => n + p[k], 0);
  return { room, day: d, parts, clicks: sum('clicks'), uniqueClicks: sum('uniqueClicks'), previews: sum('previews'), orders: sum('orders'), revenue: sum('revenue'), commission: sum('commission') };
};
const stored = { clicks: 10, uniqueClicks: 8, previews: 1, orders: 1, revenue: 25_000, commission: 1_750 };
const figures = (t: LiveDayTotals) => ({ clicks: t.clicks, orders: t.orders, revenue: t.revenue });

describe('live dashboard totals', () => {
  it('shows the sum over instances, each instance’s newest part, never a click twice', () => {
    let t = applyLiveSnapshot(EMPTY_LIVE_TOTALS, snapshot([part('a', 5, { clicks: 3 }), part('b', 7, { clicks: 4 })]));
    expect(t.clicks).toBe(7);
    // Instance a's next click message carries its whole part (4 clicks), not an increment.
    t = applyLivePart(t, { room, day, part: part('a', 6, { clicks: 4 }) });
    t = applyLivePart(t, { room, day, part: part('a', 6, { clicks: 4 }) });
    expect(t.clicks).toBe(8);
  });

  it('does not go backwards when a snapshot reads another instance’s stored counters that still lag its events', () => {
    let t = applyLiveSnapshot(EMPTY_LIVE_TOTALS, snapshot([part('a', 1, { clicks: 1 }), part('b', 1, { clicks: 1 })]));
    t = applyLivePart(t, { room, day, part: part('b', 40, { clicks: 9 }) });
    expect(t.clicks).toBe(10);
    // Instance a's snapshot: its own part from memory (newer), b's from the database (stored at v 30).
    t = applyLiveSnapshot(t, snapshot([part('a', 3, { clicks: 2 }), part('b', 30, { clicks: 7 })]));
    expect(t.clicks).toBe(11);
  });

  it('lowers a figure for a refund (a newer part), not because a part is smaller', () => {
    let t = applyLiveSnapshot(EMPTY_LIVE_TOTALS, snapshot([part('a', 5, { orders: 2, revenue: 100_000 })]));
    t = applyLivePart(t, { room, day, part: part('a', 6, { orders: 1, revenue: 50_000 }) });
    expect(figures(t)).toEqual({ clicks: 0, orders: 1, revenue: 50_000 });
  });

  it('keeps the stats API figures until a snapshot names every instance, then switches to the parts', () => {
    let t = applyStoredTotals(EMPTY_LIVE_TOTALS, room, day, stored);
    // One instance's part alone would undercount the shop: the stored figures stay on screen.
    t = applyLivePart(t, { room, day, part: part('a', 9, { clicks: 4 }) });
    expect(t.clicks).toBe(10);
    t = applyLiveSnapshot(t, snapshot([part('a', 8, { clicks: 3 }), part('b', 2, { clicks: 8 })]));
    // a's part from the message (v 9) is newer than the one in the snapshot (v 8).
    expect(t.clicks).toBe(12);
    // A late stats API answer (stored counters) does not override live figures.
    expect(applyStoredTotals(t, room, day, stored).clicks).toBe(12);
  });

  it('starts a new day at zero, ignores messages about an earlier day and never mixes shops', () => {
    let t = applyLiveSnapshot(EMPTY_LIVE_TOTALS, snapshot([part('a', 5, { clicks: 5 })]));
    t = applyLivePart(t, { room, day: '2026-11-23', part: part('a', 6, { clicks: 1 }) });
    expect([t.day, t.clicks]).toEqual(['2026-11-23', 1]);
    expect(applyLivePart(t, { room, day, part: part('a', 7, { clicks: 9 }) }).clicks).toBe(1);
    const other = applyLiveSnapshot(t, { ...snapshot([part('a', 2, { clicks: 2 })], '2026-11-23'), room: 'shop:s2' });
    expect([other.room, other.clicks]).toEqual(['shop:s2', 2]);
  });

  it('ignores messages without a part (they carry no totals)', () => {
    const t = applyLiveSnapshot(EMPTY_LIVE_TOTALS, snapshot([part('a', 5, { clicks: 5 })]));
    expect(applyLivePart(t, { room })).toBe(t);
  });

  it('restores a reload from what the tab showed, so stored counters that lag do not lower it', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const shown = applyLivePart(applyLiveSnapshot(EMPTY_LIVE_TOTALS, snapshot([part('a', 5, { clicks: 5 })])), { room, day, part: part('b', 3, { clicks: 6 }) });
    saveTotals(storage, shown);
    const restored = loadTotals(storage, room, day)!;
    expect(restored.clicks).toBe(11);
    // After the reload the stats API answers with what is stored so far (less): the figure stays.
    expect(applyStoredTotals(restored, room, day, { ...stored, clicks: 7 }).clicks).toBe(11);
    // Another day or shop: nothing to restore.
    expect(loadTotals(storage, room, '2026-11-23')).toBeNull();
    expect(loadTotals(storage, 'shop:s2', day)).toBeNull();
  });
});
