export const DEFAULT_TIME_ZONE = 'Asia/Jakarta';

/** A date and time as the shop sees it (its own time zone), e.g. "22 Nov 2026 15.04". */
export function formatDateTime(value: string | number | Date, locale = 'id-ID', timeZone = DEFAULT_TIME_ZONE): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(value));
}

export function formatDate(value: string | number | Date, locale = 'id-ID', timeZone = DEFAULT_TIME_ZONE): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone }).format(new Date(value));
}

export function formatHour(value: string | number | Date, locale = 'id-ID', timeZone = DEFAULT_TIME_ZONE): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(value));
}

/** Percent text from basis points: 750 → "7,5%". */
export function formatBasisPoints(bp: number, locale = 'id-ID'): string {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(bp / 100)}%`;
}

/** Percent typed by a person ("7,5" or "7.5") to basis points; null when it is not a number. */
export function percentToBasisPoints(input: string): number | null {
  const normalized = input.trim().replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(normalized)) return null;
  return Math.round(Number(normalized) * 100);
}

/** Rupiah typed with dots or spaces ("25.000") to an integer; null when it is not a whole number. */
export function parseRupiahInput(input: string): number | null {
  const digits = input.replace(/[\s.]/g, '').replace(/^Rp/i, '');
  if (!/^\d+$/.test(digits)) return null;
  return Number(digits);
}

/** The calendar date (YYYY-MM-DD) at that instant in the zone — the shape the stats API takes for from/to. */
export function localDate(date: Date, timeZone = DEFAULT_TIME_ZONE): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** YYYY-MM-DD plus n calendar days (no time zone involved: it is a date, not an instant). */
export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
