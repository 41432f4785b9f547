import { formatRupiah, SEGMENTS } from '@tular/shared';
import type { CommissionRulesInput } from '../../api/types';
import { SelectField, TextField } from '../../components/Field';
import { useI18n } from '../../i18n';
import { fromDraft, type CommissionDraft } from './commissionDraft';
import { previewCommission } from './commissionPreview';

interface Props {
  draft: CommissionDraft;
  onChange: (draft: CommissionDraft) => void;
  /** Field errors keyed like `commission.bySegment.buzzer`. */
  errors: Record<string, string>;
  prefix?: string;
  /** The shop's rules when editing a product override (upline rate and tiers come from the shop). */
  shopRules?: CommissionRulesInput;
  samplePrice?: number;
}

export function CommissionEditor({ draft, onChange, errors, prefix = 'commission', shopRules, samplePrice = 25_000 }: Props) {
  const { t } = useI18n();
  const rules = fromDraft(draft);
  const set = (patch: Partial<CommissionDraft>) => onChange({ ...draft, ...patch });
  const isOverride = Boolean(shopRules);
  const uplineAmount = rules ? previewCommission(shopRules ?? rules, isOverride ? rules : null, 'follower', 2, samplePrice).upline : 0;
  return (
    <fieldset className="card stack">
      <legend>{t('shops.commission')}</legend>
      <SelectField label={t('shops.commissionType')} value={draft.type} onChange={(e) => set({ type: e.target.value as CommissionDraft['type'] })} error={errors[`${prefix}.type`]}>
        <option value="percent">{t('shops.percent')}</option>
        <option value="flat">{t('shops.flat')}</option>
      </SelectField>
      {SEGMENTS.map((s) => (
        <TextField
          key={s}
          label={`${t('shops.rateFor', { segment: t(`segment.${s}`) })} ${draft.type === 'percent' ? '(%)' : '(Rp)'}`}
          inputMode="decimal"
          value={draft.rates[s]}
          onChange={(e) => set({ rates: { ...draft.rates, [s]: e.target.value } })}
          error={errors[`${prefix}.bySegment.${s}`]}
          name={`rate-${s}`}
        />
      ))}
      {isOverride ? null : (
        <>
          <TextField label={t('shops.uplineRate')} inputMode="decimal" value={draft.uplinePct} onChange={(e) => set({ uplinePct: e.target.value })} error={errors[`${prefix}.uplineBp`]} />
          <div className="stack">
            <strong>{t('shops.tiers')}</strong>
            {draft.tiers.map((tier, i) => (
              <div className="two" key={i}>
                <TextField
                  label={t('shops.tierMin')}
                  inputMode="numeric"
                  value={tier.min}
                  onChange={(e) => set({ tiers: draft.tiers.map((x, j) => (j === i ? { ...x, min: e.target.value } : x)) })}
                  error={errors[`${prefix}.tiers.${i}.minMonthlySales`]}
                />
                <TextField
                  label={t('shops.tierBonus')}
                  inputMode="decimal"
                  value={tier.bonusPct}
                  onChange={(e) => set({ tiers: draft.tiers.map((x, j) => (j === i ? { ...x, bonusPct: e.target.value } : x)) })}
                  error={errors[`${prefix}.tiers.${i}.bonusBp`]}
                />
                <button type="button" className="btn btn-link" onClick={() => set({ tiers: draft.tiers.filter((_, j) => j !== i) })}>
                  {t('shops.removeTier')}
                </button>
              </div>
            ))}
            {errors[`${prefix}.tiers`] ? <small className="field-error">{errors[`${prefix}.tiers`]}</small> : null}
            <button type="button" className="btn btn-secondary" onClick={() => set({ tiers: [...draft.tiers, { min: '1000000', bonusPct: '2' }] })}>
              {t('shops.addTier')}
            </button>
          </div>
        </>
      )}
      {rules ? (
        <div className="note" data-testid="commission-preview">
          <strong>{t('preview.title')}</strong>
          <ul>
            {SEGMENTS.map((s) => {
              const line = previewCommission(shopRules ?? rules, isOverride ? rules : null, s, 2, samplePrice);
              return (
                <li key={s}>
                  {t('preview.line', { segment: t(`segment.${s}`).toLowerCase(), qty: line.text.qty, price: line.text.price, amount: line.text.amount })}
                </li>
              );
            })}
          </ul>
          {uplineAmount > 0 ? <p>{t('preview.upline', { amount: formatRupiah(uplineAmount) })}</p> : null}
        </div>
      ) : null}
    </fieldset>
  );
}
