import type { FieldIssue } from '@tular/shared';
import type { Lang, MessageKey, T } from '../i18n';

/**
 * What a field error may carry: the server sends `{path, message, code}` (zod's issue code); a zod
 * issue found in the browser also has its limits, so the sentence can name them.
 */
export interface IssueLike extends Pick<FieldIssue, 'message'> {
  code?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  format?: string;
  expected?: string;
}

/** Fields whose own sentence says more than any generic one ("08…" beats "invalid"). */
const FIELD_HINTS: Record<string, MessageKey> = {
  phone: 'field.phone',
  whatsapp: 'field.phone',
  email: 'field.email',
  password: 'field.password',
  slug: 'field.slug',
  invite: 'field.invite',
  ref: 'field.ref',
  destination: 'field.destination',
  bankName: 'field.bankName',
  number: 'field.accountNumber',
  cursor: 'field.invalid',
};

/** Fields that hold whole numbers (rupiah, stock, days, basis points). */
const NUMERIC = new Set(['price', 'stock', 'quantity', 'amount', 'minPayout', 'attributionDays', 'holdDays', 'rating', 'uplineBp', 'minMonthlySales', 'bonusBp', 'buzzer', 'influencer', 'follower', 'limit']);

const num = (v: number | bigint | undefined) => (v === undefined ? undefined : Number(v));

/** Field messages for a form, keyed like `toFieldIssues` keys them. */
export function translateFieldIssues(issues: Record<string, IssueLike>, t: T, lang: Lang): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, issue] of Object.entries(issues)) out[field] = fieldMessage(issue, field, t, lang);
  return out;
}

/** One plain sentence in the person's language for a field's validation issue, chosen by the issue code. */
export function fieldMessage(issue: IssueLike, field: string, t: T, lang: Lang): string {
  const last = field.split('.').pop() ?? field;
  if (field.startsWith('marketplace.') && issue.code !== 'too_big') return t('field.marketplaceUrl');
  const numeric = NUMERIC.has(last);
  const min = num(issue.minimum);
  const max = num(issue.maximum);
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string' || (!issue.origin && !numeric)) {
        if (min === undefined || min <= 1) return t('field.required');
        return t('field.tooShort', { min });
      }
      if (issue.origin === 'array' || issue.origin === 'set') return min === undefined ? t('field.tooFew') : t('field.tooFewN', { min });
      return min === undefined ? t('field.tooSmall') : t('field.tooSmallN', { min: min.toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB') });
    case 'too_big':
      if (issue.origin === 'string' || (!issue.origin && !numeric)) return max === undefined ? t('field.tooLong') : t('field.tooLongN', { max });
      if (issue.origin === 'array' || issue.origin === 'set') return max === undefined ? t('field.tooMany') : t('field.tooManyN', { max });
      return max === undefined ? t('field.tooBig') : t('field.tooBigN', { max: max.toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB') });
    case 'invalid_type':
      if (numeric || issue.expected === 'number' || issue.expected === 'int') return t('field.wholeNumber');
      return FIELD_HINTS[last] ? t(FIELD_HINTS[last]!) : t('field.invalid');
    case 'not_multiple_of':
      return t('field.wholeNumber');
    case 'invalid_format':
      if (issue.format === 'email') return t('field.email');
      if (issue.format === 'url') return t('field.url');
      return FIELD_HINTS[last] ? t(FIELD_HINTS[last]!) : t('field.format');
    case 'invalid_value':
    case 'invalid_union':
      return FIELD_HINTS[last] ? t(FIELD_HINTS[last]!) : t('field.choose');
    case 'unrecognized_keys':
    case 'invalid_key':
      return t('field.unknown');
    default:
      // A rule the schema words itself (code "custom"): the field's own sentence where we have one;
      // the server's sentence is English, so Indonesian readers get a plain generic one instead.
      if (FIELD_HINTS[last]) return t(FIELD_HINTS[last]!);
      if (numeric) return t('field.wholeNumber');
      return lang === 'en' && issue.message ? issue.message : t('field.invalid');
  }
}
