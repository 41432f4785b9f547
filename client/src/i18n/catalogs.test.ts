import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { id } from './id';
import { interpolate, translate } from './index';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every UPPER_SNAKE string literal in the server's and shared's sources, minus configuration names. */
function serverErrorCodes(): string[] {
  const codes = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        // config/ names environment variables, not error codes.
        if (entry.name !== 'config' && entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g)) codes.add(m[1]!);
      }
    }
  };
  walk(path.join(ROOT, 'server', 'src'));
  walk(path.join(ROOT, 'shared', 'src'));
  return [...codes].sort();
}

describe('message catalogs', () => {
  it('gives every Indonesian message an English one with the same placeholders, and no extra English keys', () => {
    for (const key of Object.keys(id) as Array<keyof typeof id>) {
      expect(en[key], key).toBeTruthy();
      expect(placeholders(en[key]), key).toEqual(placeholders(id[key]));
    }
    expect(Object.keys(en).sort()).toEqual(Object.keys(id).sort());
  });

  it('has a sentence for every error code the server can answer with', () => {
    const codes = serverErrorCodes();
    expect(codes.length).toBeGreaterThan(40);
    const missing = codes.filter((code) => !(`error.${code}` in id));
    expect(missing).toEqual([]);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('Stok: {n}', { n: 5 })).toBe('Stok: 5');
    expect(interpolate('Halo {name}', {})).toBe('Halo {name}');
    expect(translate('id', 'product.soldOut')).toBe('Stok habis');
    expect(translate('en', 'product.soldOut')).toBe('Sold out');
  });
});
