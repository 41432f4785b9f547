import { sumLiveParts, type LiveDayTotals } from '@tular/shared';

export { applyLivePart, applyLiveSnapshot, applyStoredTotals, EMPTY_LIVE_TOTALS, type LiveDayTotals } from '@tular/shared';

/** The part of sessionStorage the dashboard uses (tests pass a Map-backed fake). */
export interface TotalsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const storageKey = (room: string): string => `tular.live.${room}`;

/**
 * The figures a tab last showed for a shop, if for `day` and complete: a reload starts from them
 * (merged by version like any snapshot), not from stored counters that may still lag behind them.
 */
export function loadTotals(storage: Pick<TotalsStorage, 'getItem'> | undefined, room: string, day: string): LiveDayTotals | null {
  try {
    const raw = storage?.getItem(storageKey(room));
    if (!raw) return null;
    const t = JSON.parse(raw) as LiveDayTotals;
    return t.room === room && t.day === day && t.complete && t.parts && typeof t.parts === 'object' ? sumLiveParts(t) : null;
  } catch {
    return null;
  }
}

export function saveTotals(storage: Pick<TotalsStorage, 'setItem'> | undefined, t: LiveDayTotals): void {
  if (!t.room || !t.complete) return;
  try {
    storage?.setItem(storageKey(t.room), JSON.stringify({ room: t.room, day: t.day, parts: t.parts, complete: true }));
  } catch {
    // Storage full or disabled: a reload then starts from the stats API's figures.
  }
}
