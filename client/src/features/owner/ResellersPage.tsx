import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Membership, ShopReseller, StatsResult } from '../../api/types';
import { localDate } from '../../lib/format';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { ShopGate } from './ShopGate';
import { ShopPicker } from './ShopPicker';
import { useCurrentShop } from './shopContext';

const BADGE = { pending: 'badge-warn', approved: 'badge-ok', blocked: 'badge-danger' } as const;

export function ResellersPage() {
  const { t } = useI18n();
  const { shops, list, shop, setShopId } = useCurrentShop();
  const queryClient = useQueryClient();
  const resellers = useQuery({
    queryKey: ['resellers', shop?.id],
    queryFn: () => api.list<ShopReseller>(`/shops/${shop!.id}/resellers`, { limit: 100 }),
    enabled: Boolean(shop),
  });
  // This month's performance per reseller; the list still works if stats are unavailable.
  const today = localDate(new Date(), shop?.timezone);
  const performance = useQuery({
    queryKey: ['stats', shop?.id, 'by', 'reseller', 'month', today.slice(0, 7)],
    queryFn: () => api.get<StatsResult>(`/shops/${shop!.id}/stats`, { from: `${today.slice(0, 7)}-01`, to: today, granularity: 'day', by: 'reseller' }),
    enabled: Boolean(shop),
    retry: false,
  });
  const perf = new Map((performance.data?.breakdown ?? []).map((row) => [row.key, row]));
  const decide = useMutation({
    mutationFn: ({ id, status }: { id: string; status: 'approved' | 'blocked' }) => api.patch<Membership>(`/memberships/${id}`, { status }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['resellers', shop?.id] }),
  });
  if (!shop) return <ShopGate shops={shops} shop={shop}>{() => null}</ShopGate>;
  return (
    <section className="stack">
      <h1>{t('resellers.title')}</h1>
      <ShopPicker list={list} shop={shop} onChange={setShopId} />
      {decide.isError ? <p className="field-error">{errorText(decide.error, t)}</p> : null}
      <QueryState query={resellers} isEmpty={(p) => p.data.length === 0} empty={t('resellers.empty')}>
        {(page) => (
          <ul className="list">
            {page.data.map((m) => (
              <li key={m.id} className="card stack" data-testid="reseller-row">
                <div className="row">
                  <strong>{m.reseller.name}</strong>
                  <span className={`badge ${BADGE[m.status]}`}>{t(`resellers.status.${m.status}`)}</span>
                </div>
                <span className="muted">
                  {t(`segment.${m.segment}`)}
                  {perf.has(m.resellerId) ? ` · ${t('resellers.clicks', { n: perf.get(m.resellerId)!.clicks })} · ${t('resellers.sales', { n: perf.get(m.resellerId)!.orders })}` : ''}
                </span>
                <div className="button-row">
                  {m.status !== 'approved' ? (
                    <button type="button" className="btn btn-primary btn-small" disabled={decide.isPending} onClick={() => decide.mutate({ id: m.id, status: 'approved' })}>
                      {t('resellers.approve')}
                    </button>
                  ) : null}
                  {m.status !== 'blocked' ? (
                    <button type="button" className="btn btn-danger btn-small" disabled={decide.isPending} onClick={() => decide.mutate({ id: m.id, status: 'blocked' })}>
                      {t('resellers.block')}
                    </button>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
