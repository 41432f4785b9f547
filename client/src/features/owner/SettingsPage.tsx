import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { HOLD_DAYS, PAYMENT_METHODS, type PaymentInstruction } from '@tular/shared';
import { api } from '../../api/client';
import type { Shop } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { FormError, SelectField, TextField } from '../../components/Field';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';
import { ShopGate } from './ShopGate';
import { ShopPicker } from './ShopPicker';
import { useCurrentShop } from './shopContext';

export function SettingsPage() {
  const { t } = useI18n();
  const { shops, list, shop, setShopId } = useCurrentShop();
  return (
    <section className="stack">
      <h1>{t('settings.title')}</h1>
      <ShopGate shops={shops} shop={shop}>
        {(s) => (
          <>
            <ShopPicker list={list} shop={s} onChange={setShopId} />
            <SettingsForm key={s.id} shop={s} />
            <ConversionSecret key={`secret-${s.id}`} shopId={s.id} />
          </>
        )}
      </ShopGate>
    </section>
  );
}

function SettingsForm({ shop }: { shop: Shop }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [whatsapp, setWhatsapp] = useState(shop.whatsapp);
  const [attributionDays, setAttributionDays] = useState(String(shop.attributionDays));
  const [holdDays, setHoldDays] = useState(String(shop.holdDays));
  const [minPayout, setMinPayout] = useState(String(shop.minPayout));
  const [payments, setPayments] = useState<PaymentInstruction[]>(shop.paymentInstructions);
  const [saved, setSaved] = useState(false);
  const form = useSubmit(
    () =>
      api.patch<Shop>(`/shops/${shop.id}`, {
        whatsapp,
        attributionDays: Number(attributionDays),
        holdDays: Number(holdDays),
        minPayout: Number(minPayout.replace(/\D/g, '')),
        paymentInstructions: payments,
      }),
    () => {
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ['my-shops'] });
    },
  );
  const e = form.fieldErrors;
  return (
    <form className="card stack" onSubmit={form.submit} noValidate onChange={() => setSaved(false)}>
      <TextField label={t('shops.whatsapp')} type="tel" inputMode="tel" value={whatsapp} onChange={(ev) => setWhatsapp(ev.target.value)} error={e.whatsapp} />
      <TextField label={t('shops.attributionDays')} type="number" min={1} max={90} inputMode="numeric" value={attributionDays} onChange={(ev) => setAttributionDays(ev.target.value)} error={e.attributionDays} />
      <SelectField label={t('shops.holdDays')} value={holdDays} onChange={(ev) => setHoldDays(ev.target.value)} error={e.holdDays}>
        {HOLD_DAYS.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </SelectField>
      <TextField label={t('shops.minPayout')} inputMode="numeric" value={minPayout} onChange={(ev) => setMinPayout(ev.target.value)} error={e.minPayout} />
      <fieldset className="stack">
        <legend>{t('settings.payment')}</legend>
        <small className="hint">{t('settings.paymentHelp')}</small>
        {payments.map((p, i) => {
          const set = (patch: Partial<PaymentInstruction>) => setPayments(payments.map((x, j) => (j === i ? { ...x, ...patch } : x)));
          const err = (f: string) => e[`paymentInstructions.${i}.${f}`];
          return (
            <div key={i} className="card stack">
              <SelectField label={t('settings.paymentMethod')} value={p.method} onChange={(ev) => set({ method: ev.target.value as PaymentInstruction['method'] })} error={err('method')}>
                {PAYMENT_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {m === 'bank' ? t('settings.paymentBank') : t('settings.paymentEwallet')}
                  </option>
                ))}
              </SelectField>
              <TextField label={t('settings.paymentProvider')} value={p.provider} onChange={(ev) => set({ provider: ev.target.value })} error={err('provider')} />
              <TextField label={t('settings.paymentAccountName')} value={p.accountName} onChange={(ev) => set({ accountName: ev.target.value })} error={err('accountName')} />
              <TextField label={t('settings.paymentAccountNumber')} inputMode="numeric" value={p.accountNumber} onChange={(ev) => set({ accountNumber: ev.target.value })} error={err('accountNumber')} />
              <button type="button" className="btn btn-link" onClick={() => setPayments(payments.filter((_, j) => j !== i))}>
                {t('shops.removeTier')}
              </button>
            </div>
          );
        })}
        <button type="button" className="btn btn-secondary" onClick={() => setPayments([...payments, { method: 'bank', provider: '', accountName: '', accountNumber: '' }])}>
          {t('settings.paymentAdd')}
        </button>
      </fieldset>
      <FormError message={form.formError} />
      {saved ? <p className="state-success">{t('common.saved')}</p> : null}
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy}>
        {t('common.save')}
      </button>
    </form>
  );
}

/** The secret comes back from the server exactly once; it lives only in this component's state. */
function ConversionSecret({ shopId }: { shopId: string }) {
  const { t } = useI18n();
  const [secret, setSecret] = useState<string | null>(null);
  const form = useSubmit(
    () => api.post<{ secret: string; createdAt: string }>(`/shops/${shopId}/conversion-secret`),
    (r) => setSecret(r.secret),
  );
  return (
    <div className="card stack">
      <h2>{t('settings.secret')}</h2>
      <p className="muted">{t('settings.secretHelp')}</p>
      {secret ? (
        <>
          <p className="note">{t('settings.secretOnce')}</p>
          <code className="secret" data-testid="conversion-secret">
            {secret}
          </code>
          <CopyButton text={secret} />
        </>
      ) : (
        <button type="button" className="btn btn-secondary" onClick={() => void form.submit()} disabled={form.busy}>
          {t('settings.secretShow')}
        </button>
      )}
      <FormError message={form.formError} />
    </div>
  );
}
