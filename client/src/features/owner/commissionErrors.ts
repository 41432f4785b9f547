import type { Lang, T } from '../../i18n';
import { fieldMessage, type IssueLike } from '../../lib/fieldMessage';
import { commissionBoxUnit, type CommissionDraft } from './commissionDraft';

/**
 * Sentences for the commission boxes, which the owner types in percent or rupiah while the schema
 * speaks basis points: "max 10000" would mislead, "at most 100%" does not.
 */
export function commissionAwareMessage(type: CommissionDraft['type']) {
  return (issue: IssueLike, field: string, t: T, lang: Lang): string => {
    if (/(?:^|\.)commission\.tiers$/.test(field) && issue.code === 'custom') return t('field.tiersDistinct');
    const unit = commissionBoxUnit(field, type);
    if (!unit) return fieldMessage(issue, field, t, lang);
    if (issue.code === 'custom' && /bySegment/.test(field)) return t('field.commissionTotal');
    if (issue.code === 'invalid_type' || issue.code === 'not_multiple_of') return unit === 'percent' ? t('field.percent') : t('field.rupiah');
    if (issue.code === 'too_big' && unit === 'percent') return t('field.percentMax');
    if (issue.code === 'too_small') return unit === 'percent' ? t('field.percent') : t('field.rupiah');
    return fieldMessage(issue, field, t, lang);
  };
}
