import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah, PAYOUT_METHODS, type PayoutMethod } from '@tular/shared';
import { api } from '../../api/client';
import { useLive } from '../../api/live';
import { ApiError } from '../../api/errors';
import type { Earnings, MyMembership, Payout, Shop } from '../../api/types';
import { FormError, TextField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';
import { formatDateTime, parseRupiahInput } from '../../lib/format';

const STATES = ['pending', 'approved', 'available', 'reserved', 'paid'] as const;

export function EarningsPage() {
  const { t, locale } = useI18n();
  const earnings = useQuery({ queryKey: ['earnings'], queryFn: () => api.get<Earnings[]>('/me/earnings') });
  const memberships = useQuery({ queryKey: ['my-memberships'], queryFn: () => api.list<MyMembership>('/me/memberships', { limit: 100 }) });
  const payouts = useQuery({ queryKey: ['my-payouts'], queryFn: () => api.list<Payout>('/payouts', { limit: 50 }) });
  const queryClient = useQueryClient();
  // A fulfilled order or a paid payout shows up here without a reload.
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['earnings'] });
    void queryClient.invalidateQueries({ queryKey: ['my-payouts'] });
  };
  useLive(undefined, { commission: refresh, payout: refresh });
  // Kept here, not in the form: the refetched balance drops to 0 and unmounts the form right away.
  const [requested, setRequested] = useState<string | null>(null);
  const lastMethod = payouts.data?.data[0]?.method ?? null;
  const shopName = (id: string) => memberships.data?.data.find((m) => m.shopId === id)?.shop.name ?? '';
  return (
    <section className="stack">
      <h1>{t('earnings.title')}</h1>
      <QueryState query={earnings} isEmpty={(rows) => rows.length === 0} empty={t('earnings.empty')}>
        {(rows) => (
          <ul className="list">
            {rows.map((e) => (
              <li key={e.shopId} className="card stack" data-testid="earnings-row">
                <strong>{shopName(e.shopId)}</strong>
                <div className="kpis">
                  {STATES.map((s) => (
                    <div key={s} className="kpi" data-testid={`earnings-${s}`}>
                      <div className="kpi-label">{t(`earnings.${s}`)}</div>
                      <div className="kpi-value">{formatRupiah(e[s])}</div>
                    </div>
                  ))}
                </div>
                {requested === e.shopId ? (
                  <p className="state-success" role="status">
                    {t('earnings.requested')}
                  </p>
                ) : (
                  <MinimumAndForm earnings={e} lastMethod={lastMethod} onDone={() => setRequested(e.shopId)} />
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <h2>{t('earnings.history')}</h2>
      <QueryState query={payouts} isEmpty={(p) => p.data.length === 0} empty={t('payouts.empty')}>
        {(page) => (
          <ul className="list">
            {page.data.map((p) => (
              <li key={p.id} className="card row" data-testid="my-payout">
                <span>
                  <strong>{formatRupiah(p.amount)}</strong> · {shopName(p.shopId)}
                  <br />
                  <span className="muted">{formatDateTime(p.createdAt, locale)}</span>
                </span>
                <span className="badge" data-testid="my-payout-status">
                  {t(`payouts.status.${p.status}`)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

/** The shop's minimum payout, and the form once the available balance reaches it. */
function MinimumAndForm({ earnings, lastMethod, onDone }: { earnings: Earnings; lastMethod: PayoutMethod | null; onDone: () => void }) {
  const { t } = useI18n();
  const shop = useQuery({ queryKey: ['shop', earnings.shopId], queryFn: () => api.get<Shop>(`/shops/${earnings.shopId}`) });
  const min = shop.data?.minPayout;
  if (min === undefined) return null;
  return (
    <>
      <p className="muted" data-testid="earnings-min">
        {t('earnings.min', { amount: formatRupiah(min) })}
        {earnings.available < min ? ` · ${t('earnings.belowMin', { amount: formatRupiah(min - earnings.available) })}` : ''}
      </p>
      {earnings.available >= min ? <PayoutForm earnings={earnings} lastMethod={lastMethod} onDone={onDone} /> : null}
    </>
  );
}

function PayoutForm({ earnings, lastMethod, onDone }: { earnings: Earnings; lastMethod: PayoutMethod | null; onDone: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState(String(earnings.available));
  // No silent default: the money goes where the reseller chose last time, or where they pick now.
  const [method, setMethod] = useState<PayoutMethod | null>(lastMethod);
  const [number, setNumber] = useState('');
  const [name, setName] = useState('');
  const [bankName, setBankName] = useState('');
  const form = useSubmit(
    async () => {
      if (!method) throw new ApiError(400, 'VALIDATION_FAILED', 'method', [{ path: 'body.method', message: t('earnings.pickMethod'), code: 'custom' }]);
      return api.post<Payout>('/payouts', {
        shopId: earnings.shopId,
        amount: parseRupiahInput(amount) ?? amount,
        method,
        account: { name, number, ...(method === 'bank' ? { bankName } : {}) },
      });
    },
    () => {
      onDone();
      void queryClient.invalidateQueries({ queryKey: ['earnings'] });
      void queryClient.invalidateQueries({ queryKey: ['my-payouts'] });
    },
  );
  const e = form.fieldErrors;
  return (
    <form className="stack" onSubmit={form.submit} noValidate data-testid="payout-form">
      <TextField label={t('earnings.amount')} inputMode="numeric" value={amount} onChange={(ev) => setAmount(ev.target.value)} error={e.amount} name="amount" />
      <fieldset className={`choice${e.method ? ' field-invalid' : ''}`}>
        <legend>{t('earnings.method')}</legend>
        <div className="choice-grid">
          {PAYOUT_METHODS.map((m) => (
            <label key={m} className={`choice-card${method === m ? ' selected' : ''}`}>
              <input type="radio" name="payout-method" value={m} checked={method === m} onChange={() => setMethod(m)} />
              <span>{t(`method.${m}`)}</span>
            </label>
          ))}
        </div>
        {e.method ? (
          <small className="field-error" role="alert">
            {e.method}
          </small>
        ) : null}
      </fieldset>
      {method === 'bank' ? (
        <TextField label={t('earnings.bankName')} value={bankName} onChange={(ev) => setBankName(ev.target.value)} error={e['account.bankName']} placeholder={t('earnings.bankPlaceholder')} name="bank-name" />
      ) : null}
      <TextField
        label={method === 'bank' ? t('earnings.accountBank') : method ? t('earnings.accountWallet', { method: t(`method.${method}`) }) : t('earnings.account')}
        inputMode={method === 'bank' ? 'numeric' : 'tel'}
        value={number}
        onChange={(ev) => setNumber(ev.target.value)}
        error={e['account.number']}
        name="account-number"
      />
      <TextField label={t('earnings.accountName')} value={name} onChange={(ev) => setName(ev.target.value)} error={e['account.name']} name="account-name" />
      <FormError message={form.formError} />
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy} data-testid="payout-submit">
        {t('earnings.request')}
      </button>
    </form>
  );
}
