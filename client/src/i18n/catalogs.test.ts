import { describe, expect, it } from 'vitest';
import { en } from './en';
import { id } from './id';
import { interpolate, translate } from './index';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  it('gives every Indonesian message an English one with the same placeholders', () => {
    for (const key of Object.keys(id) as Array<keyof typeof id>) {
      expect(en[key], key).toBeTruthy();
      expect(placeholders(en[key]), key).toEqual(placeholders(id[key]));
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('Stok: {n}', { n: 5 })).toBe('Stok: 5');
    expect(interpolate('Halo {name}', {})).toBe('Halo {name}');
    expect(translate('id', 'product.soldOut')).toBe('Stok habis');
    expect(translate('en', 'product.soldOut')).toBe('Sold out');
  });
});
