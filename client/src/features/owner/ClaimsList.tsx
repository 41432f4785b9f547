import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Claim } from '../../api/types';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { formatDateTime } from '../../lib/format';

/** Sales resellers say they closed in a chat; confirming one turns it into an attributed order. */
export function ClaimsList({ shopId, timeZone }: { shopId: string; timeZone: string }) {
  const { t, locale } = useI18n();
  const queryClient = useQueryClient();
  const claims = useCursorList<Claim>(['claims', shopId], '/claims', { shopId, status: 'pending' });
  const decide = useMutation({
    mutationFn: ({ id, status }: { id: string; status: 'confirmed' | 'rejected' }) => api.patch<Claim>(`/claims/${id}`, { status }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['claims', shopId] });
      void queryClient.invalidateQueries({ queryKey: ['orders', shopId] });
    },
  });
  return (
    <section className="card stack">
      <h2>{t('claims.title')}</h2>
      {decide.isError ? <p className="field-error">{errorText(decide.error, t)}</p> : null}
      <QueryState query={claims.list} isEmpty={(rows) => rows.length === 0} empty={t('claims.empty')}>
        {(rows) => (
          <ul className="list">
            {rows.map((c) => (
              <li key={c.id} className="card stack">
                <strong>{t('claims.by', { qty: c.quantity })}</strong>
                <span>
                  {c.buyer.name} · {c.buyer.phone}
                </span>
                {c.note ? <span className="muted">{c.note}</span> : null}
                <span className="muted">{formatDateTime(c.createdAt, locale, timeZone)}</span>
                <div className="button-row">
                  <button type="button" className="btn btn-primary btn-small" disabled={decide.isPending} onClick={() => decide.mutate({ id: c.id, status: 'confirmed' })}>
                    {t('claims.confirm')}
                  </button>
                  <button type="button" className="btn btn-danger btn-small" disabled={decide.isPending} onClick={() => decide.mutate({ id: c.id, status: 'rejected' })}>
                    {t('claims.reject')}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...claims} />
    </section>
  );
}
