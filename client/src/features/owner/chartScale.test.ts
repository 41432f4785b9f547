import { describe, expect, it } from 'vitest';
import { niceMax, shortNumber } from './chartScale';

describe('chart axis', () => {
  it('rounds the axis top up to 1, 2 or 5 × 10ⁿ (one click still fills a readable axis 0–1)', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(120)).toBe(200);
    expect(niceMax(75_000)).toBe(100_000);
  });

  it('writes big values short, in the reader’s language', () => {
    expect(shortNumber(4)).toBe('4');
    expect(shortNumber(75_000)).toBe('75 rb');
    expect(shortNumber(1_250_000)).toBe('1,3 jt');
    expect(shortNumber(1_250_000, 'en-GB')).toBe('1.3M');
  });
});
