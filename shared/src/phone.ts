/**
 * Indonesian mobile numbers arrive as 08…, 628… or +628… (with spaces or dashes);
 * we store E.164 (+628…). Returns null when the input is not such a number.
 */
export function normalizeIndonesianPhone(input: string): string | null {
  const compact = input.replace(/[\s\-().]/g, '');
  let rest: string;
  if (compact.startsWith('+62')) rest = compact.slice(3);
  else if (compact.startsWith('62')) rest = compact.slice(2);
  else if (compact.startsWith('0')) rest = compact.slice(1);
  else return null;
  if (!/^8\d{7,11}$/.test(rest)) return null;
  return `+62${rest}`;
}

/** wa.me wants the number without the plus sign. */
export function waMeNumber(e164: string): string {
  return e164.replace(/^\+/, '');
}
