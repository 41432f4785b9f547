/** Money is integer rupiah; rates are integer basis points (1% = 100 bp). */
export const BP_PER_UNIT = 10_000;

/** The one rounding rule for commissions: down to the whole rupiah. */
export function floorRupiah(value: number): number {
  return Math.floor(value);
}

/** base × bp / 10 000, rounded down, computed without a float touching the base when exact. */
export function applyBasisPoints(baseRupiah: number, bp: number): number {
  if (!Number.isSafeInteger(baseRupiah) || !Number.isSafeInteger(bp)) {
    throw new RangeError('base and bp must be safe integers');
  }
  // Integer division keeps exactness for any realistic base (< 9e15 / bp).
  const product = BigInt(baseRupiah) * BigInt(bp);
  return Number(product / BigInt(BP_PER_UNIT)) - (product < 0n && product % BigInt(BP_PER_UNIT) !== 0n ? 1 : 0);
}

const groupFormatter = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });

/** `Rp 1.250.000` — the one rupiah formatter used by server (CSV, messages) and client. */
export function formatRupiah(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}Rp ${groupFormatter.format(Math.abs(Math.trunc(amount)))}`;
}
