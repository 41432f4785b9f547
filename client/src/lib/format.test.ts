import { describe, expect, it } from 'vitest';
import { formatRupiah } from '@tular/shared';
import { addDays, formatBasisPoints, formatDateTime, localDate, parseRupiahInput, percentToBasisPoints } from './format';

describe('formatting for Indonesian owners', () => {
  it('formats rupiah with dots as thousands separators', () => {
    expect(formatRupiah(1_250_000)).toBe('Rp 1.250.000');
    expect(formatRupiah(3500)).toBe('Rp 3.500');
  });

  it('reads rupiah typed with dots, spaces or an Rp prefix; refuses decimals and words', () => {
    expect(parseRupiahInput('25.000')).toBe(25_000);
    expect(parseRupiahInput('Rp 1 250 000')).toBe(1_250_000);
    expect(parseRupiahInput('25,5')).toBeNull();
    expect(parseRupiahInput('dua puluh')).toBeNull();
  });

  it('turns typed percents (comma or dot) into basis points and back', () => {
    expect(percentToBasisPoints('7')).toBe(700);
    expect(percentToBasisPoints('7,5')).toBe(750);
    expect(percentToBasisPoints('0.25')).toBe(25);
    expect(percentToBasisPoints('-1')).toBeNull();
    expect(formatBasisPoints(750)).toBe('7,5%');
  });

  it('puts a late-evening UTC time on the next day in Jakarta (the shop’s day, not the server’s)', () => {
    const instant = new Date('2026-11-21T18:30:00Z'); // 01:30 on the 22nd in Jakarta (UTC+7)
    expect(localDate(instant, 'Asia/Jakarta')).toBe('2026-11-22');
    expect(localDate(instant, 'UTC')).toBe('2026-11-21');
    expect(formatDateTime(instant, 'id-ID', 'Asia/Jakarta')).toContain('22');
  });

  it('adds calendar days across month and year ends', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
