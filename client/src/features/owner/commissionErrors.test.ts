import { describe, expect, it } from 'vitest';
import { DEFAULT_COMMISSION, ProductUpdateSchema, ShopCreateSchema } from '@tular/shared';
import { translate, type MessageKey } from '../../i18n';
import { fieldMessage } from '../../lib/fieldMessage';
import { schemaIssues } from '../../lib/schemaIssues';
import { draftForValidation, toDraft } from './commissionDraft';
import { commissionAwareMessage } from './commissionErrors';

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('id', key, params);
const shopBody = (commission: unknown) => ({ name: 'Aneka Makanan Albar', slug: 'albar', whatsapp: '081234567890', commission, attributionDays: 7, holdDays: 7, minPayout: 10_000 });
const wordsFor = (issues: ReturnType<typeof schemaIssues>, type: 'percent' | 'flat') =>
  Object.fromEntries(Object.entries(issues).map(([f, i]) => [f, commissionAwareMessage(type)(i, f, t, 'id')]));

describe('commission boxes are checked with the shared schema before saving', () => {
  it('accepts the defaults as typed (no false alarms)', () => {
    expect(schemaIssues(ShopCreateSchema, shopBody(draftForValidation(toDraft(DEFAULT_COMMISSION))))).toEqual({});
  });

  it('names the box with a typo instead of leaving the commission out of the save', () => {
    const draft = { ...toDraft(DEFAULT_COMMISSION), rates: { buzzer: '5', influencer: '1o', follower: '7' } };
    const words = wordsFor(schemaIssues(ShopCreateSchema, shopBody(draftForValidation(draft))), 'percent');
    expect(words).toEqual({ 'commission.bySegment.influencer': 'Isi dengan persen, mis. 7 atau 7,5.' });
  });

  it('speaks percent and rupiah, not basis points', () => {
    const tooMuch = { ...toDraft(DEFAULT_COMMISSION), rates: { buzzer: '150', influencer: '10', follower: '7' } };
    const words = wordsFor(schemaIssues(ShopCreateSchema, shopBody(draftForValidation(tooMuch))), 'percent');
    expect(words['commission.bySegment.buzzer']).toMatch(/100%/);
    const flat = { ...toDraft(DEFAULT_COMMISSION), type: 'flat' as const, rates: { buzzer: '1.000', influencer: '2,5', follower: '500' }, tiers: [{ min: 'sejuta', bonusPct: '2' }] };
    const flatWords = wordsFor(schemaIssues(ShopCreateSchema, shopBody(draftForValidation(flat))), 'flat');
    expect(flatWords).toEqual({
      'commission.bySegment.influencer': 'Isi dengan rupiah tanpa koma, mis. 1.500.',
      'commission.tiers.0.minMonthlySales': 'Isi dengan rupiah tanpa koma, mis. 1.500.',
    });
  });

  it('checks a product override with the product schema too', () => {
    const draft = { ...toDraft(DEFAULT_COMMISSION), uplinePct: 'dua' };
    const issues = schemaIssues(ProductUpdateSchema, { commission: draftForValidation(draft) });
    expect(Object.keys(issues)).toEqual(['commission.uplineBp']);
  });
});

describe('field errors in plain words, by zod issue code', () => {
  it('translates the codes the server sends (it sends no limits), per field kind', () => {
    expect(fieldMessage({ code: 'too_small', message: 'Too small: expected string to have >=1 characters' }, 'name', t, 'id')).toBe('Wajib diisi.');
    expect(fieldMessage({ code: 'too_small', message: 'must be at least Rp 1' }, 'price', t, 'id')).toBe('Angkanya terlalu kecil.');
    expect(fieldMessage({ code: 'invalid_type', message: 'Invalid input: expected number, received string' }, 'stock', t, 'id')).toBe('Isi dengan angka bulat, tanpa koma atau huruf.');
    expect(fieldMessage({ code: 'custom', message: 'must be an Indonesian mobile number (08…, 628… or +628…)' }, 'buyer.phone', t, 'id')).toBe('Masukkan nomor HP Indonesia, mis. 0812 3456 7890.');
    expect(fieldMessage({ code: 'invalid_format', message: 'must be an email address', format: 'email' }, 'email', t, 'id')).toMatch(/email/);
    expect(fieldMessage({ code: 'unrecognized_keys', message: 'unknown field: x' }, 'x', t, 'id')).toBe('Isian ini tidak dikenal.');
    expect(fieldMessage({ code: 'invalid_value', message: 'Invalid option' }, 'holdDays', t, 'id')).toBe('Pilih salah satu pilihan yang ada.');
  });

  it('names the limit when the browser has the whole issue', () => {
    const issues = schemaIssues(ShopCreateSchema, { ...shopBody(DEFAULT_COMMISSION), attributionDays: 120, name: 'x'.repeat(101) });
    expect(fieldMessage(issues.attributionDays!, 'attributionDays', t, 'id')).toBe('Maksimal 90.');
    expect(fieldMessage(issues.name!, 'name', t, 'id')).toBe('Terlalu panjang (maksimal 100 karakter).');
  });

  it('keeps the server’s specific English sentence for English readers when no plain one fits', () => {
    expect(fieldMessage({ code: 'custom', message: 'which bank? (e.g. BCA, BRI)' }, 'note', t, 'en')).toBe('which bank? (e.g. BCA, BRI)');
    expect(fieldMessage({ code: 'custom', message: 'which bank? (e.g. BCA, BRI)' }, 'note', t, 'id')).toBe('Isian ini tidak valid. Periksa lagi.');
  });
});
