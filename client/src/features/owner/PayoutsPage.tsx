import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { Payout } from '../../api/types';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { translateFieldIssues } from '../../lib/fieldMessage';
import { formatDateTime } from '../../lib/format';
import { ShopGate } from './ShopGate';
import { ShopPicker } from './ShopPicker';
import { useCurrentShop } from './shopContext';

const BADGE = { requested: 'badge-warn', approved: 'badge-ok', paid: 'badge-ok', rejected: 'badge-muted' } as const;

export function PayoutsPage() {
  const { t } = useI18n();
  const { shops, list, shop, setShopId } = useCurrentShop();
  const payouts = useCursorList<Payout>(['payouts', shop?.id], '/payouts', { shopId: shop?.id }, Boolean(shop));
  if (!shop) return <ShopGate shops={shops} shop={shop}>{() => null}</ShopGate>;
  return (
    <section className="stack">
      <h1>{t('payouts.title')}</h1>
      <ShopPicker list={list} shop={shop} onChange={setShopId} />
      <QueryState query={payouts.list} isEmpty={(rows) => rows.length === 0} empty={t('payouts.empty')}>
        {(rows) => (
          <ul className="list">
            {rows.map((p) => (
              <PayoutRow key={p.id} payout={p} shopId={shop.id} timeZone={shop.timezone} />
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...payouts} />
    </section>
  );
}

function PayoutRow({ payout, shopId, timeZone }: { payout: Payout; shopId: string; timeZone: string }) {
  const { t, locale, lang } = useI18n();
  const queryClient = useQueryClient();
  const [reference, setReference] = useState('');
  const decide = useMutation({
    mutationFn: (body: { status: 'approved' | 'paid' | 'rejected'; reference?: string }) => api.patch<Payout>(`/payouts/${payout.id}`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['payouts', shopId] }),
  });
  const refError = decide.error instanceof ApiError ? translateFieldIssues(decide.error.fieldIssues, t, lang).reference : undefined;
  const account = `${payout.account.bankName ?? ''} ${payout.account.number} (${payout.account.name})`.trim();
  return (
    <li className="card stack" data-testid="payout-row">
      <div className="row">
        <strong className="price">{formatRupiah(payout.amount)}</strong>
        <span className={`badge ${BADGE[payout.status]}`} data-testid="payout-status">
          {t(`payouts.status.${payout.status}`)}
        </span>
      </div>
      <span>{t('payouts.to', { method: t(`method.${payout.method}`), account })}</span>
      <span className="muted">{formatDateTime(payout.createdAt, locale, timeZone)}</span>
      {payout.reference ? <span className="muted">{t('payouts.referenceShown', { reference: payout.reference })}</span> : null}
      {payout.status === 'requested' ? (
        <div className="button-row">
          <button type="button" className="btn btn-primary btn-small" disabled={decide.isPending} onClick={() => decide.mutate({ status: 'approved' })} data-testid="payout-approve">
            {t('payouts.approve')}
          </button>
          <button type="button" className="btn btn-danger btn-small" disabled={decide.isPending} onClick={() => decide.mutate({ status: 'rejected' })}>
            {t('payouts.reject')}
          </button>
        </div>
      ) : null}
      {payout.status === 'approved' ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            decide.mutate({ status: 'paid', reference: reference.trim() || undefined });
          }}
        >
          <div className={`field${refError ? ' field-invalid' : ''}`}>
            <label htmlFor={`ref-${payout.id}`}>{t('payouts.reference')}</label>
            <input id={`ref-${payout.id}`} value={reference} onChange={(e) => setReference(e.target.value)} data-testid="payout-reference" />
            {refError ? <small className="field-error">{refError}</small> : null}
          </div>
          <button type="submit" className="btn btn-primary btn-small" disabled={decide.isPending} data-testid="payout-paid">
            {t('payouts.markPaid')}
          </button>
        </form>
      ) : null}
      {decide.isError && !refError ? <p className="field-error">{errorText(decide.error, t)}</p> : null}
    </li>
  );
}
