/** A round axis top at or above `max` (1, 2, 5 × 10^n), so the tick values are easy to read. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * exp >= max) return Math.max(1, m * exp);
  return 10 * exp;
}

/** 1.250.000 → "1,3 jt" (English: "1.3M"); 25.000 → "25 rb" ("25k"): axis labels that fit a phone. */
export function shortNumber(value: number, locale = 'id-ID'): string {
  const id = locale.startsWith('id');
  const f = (n: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(n);
  if (Math.abs(value) >= 1_000_000) return id ? `${f(value / 1_000_000)} jt` : `${f(value / 1_000_000)}M`;
  if (Math.abs(value) >= 10_000) return id ? `${f(value / 1_000)} rb` : `${f(value / 1_000)}k`;
  return f(value);
}
