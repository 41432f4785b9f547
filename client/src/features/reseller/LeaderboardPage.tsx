import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Leaderboard } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { errorText } from '../../lib/errorText';
import { useI18n } from '../../i18n';

export function LeaderboardPage() {
  const { t } = useI18n();
  const board = useQuery({ queryKey: ['leaderboard'], queryFn: () => api.get<Leaderboard>('/leaderboard', { period: 'month' }) });
  return (
    <section className="stack">
      <h1>{t('leaderboard.title')}</h1>
      <QueryState query={board} isEmpty={(b) => b.entries.length === 0} empty={t('leaderboard.empty')}>
        {(b) => (
          <ol className="list">
            {b.entries.map((e) => (
              <li key={e.resellerId} className="card row">
                <span>
                  <strong>#{e.rank}</strong> {e.name}
                  {e.segment ? <span className="muted"> · {t(`segment.${e.segment}`)}</span> : null}
                </span>
                <span>{t('resellers.sales', { n: e.orders })}</span>
              </li>
            ))}
          </ol>
        )}
      </QueryState>
      <OptOut />
    </section>
  );
}

/** Appearing on the public board is the reseller's choice (the server has no read of it, so we show what was last set). */
function OptOut() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [hidden, setHidden] = useState<boolean | null>(null);
  const save = useMutation({
    mutationFn: (leaderboardOptOut: boolean) => api.patch<{ leaderboardOptOut: boolean }>('/me/preferences', { leaderboardOptOut }),
    onSuccess: (r) => {
      setHidden(r.leaderboardOptOut);
      void queryClient.invalidateQueries({ queryKey: ['leaderboard'] });
    },
  });
  return (
    <div className="card stack">
      {hidden !== null ? <p className="state-success">{hidden ? t('leaderboard.hidden') : t('leaderboard.shown')}</p> : null}
      <div className="button-row">
        {[true, false].map((value) => (
          <button key={String(value)} type="button" className="btn btn-secondary btn-small" disabled={save.isPending} onClick={() => save.mutate(value)}>
            {value ? t('leaderboard.hideMe') : t('leaderboard.showMe')}
          </button>
        ))}
      </div>
      {save.isError ? <p className="field-error">{errorText(save.error, t)}</p> : null}
    </div>
  );
}
