import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { useUser } from '../../api/auth';
import { api } from '../../api/client';
import type { Leaderboard, MyMembership } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { errorText } from '../../lib/errorText';
import { useI18n } from '../../i18n';

const OPT_OUT_KEY = 'tular.leaderboardOptOut';

function rememberedOptOut(): boolean | null {
  try {
    const v = globalThis.localStorage?.getItem(OPT_OUT_KEY);
    return v === null || v === undefined ? null : v === 'true';
  } catch {
    return null;
  }
}

export function LeaderboardPage() {
  const { t } = useI18n();
  const user = useUser();
  // '' is the platform-wide board; a shop id is that shop's own board (members see money there).
  const [scope, setScope] = useState('');
  const memberships = useQuery({ queryKey: ['my-memberships'], queryFn: () => api.list<MyMembership>('/me/memberships', { limit: 100 }) });
  const shops = (memberships.data?.data ?? []).filter((m) => m.status === 'approved');
  const board = useQuery({
    queryKey: ['leaderboard', scope],
    queryFn: () => api.get<Leaderboard>(scope ? `/shops/${scope}/leaderboard` : '/leaderboard', { period: 'month', limit: 50 }),
  });
  const publicBoard = scope === '' ? board.data : undefined;
  const me = publicBoard?.entries.find((e) => e.resellerId === user?.id);
  return (
    <section className="stack">
      <h1>{t('leaderboard.title')}</h1>
      {shops.length ? (
        <div className="button-row" role="tablist" aria-label={t('leaderboard.scope')}>
          {[{ id: '', name: t('leaderboard.everyone') }, ...shops.map((m) => ({ id: m.shopId, name: m.shop.name }))].map((s) => (
            <button
              key={s.id || 'all'}
              type="button"
              role="tab"
              aria-selected={scope === s.id}
              className={`btn btn-small ${scope === s.id ? 'btn-primary' : 'btn-secondary'}`}
              onClick={() => setScope(s.id)}
              data-testid={s.id ? 'board-shop' : 'board-all'}
            >
              {s.name}
            </button>
          ))}
        </div>
      ) : null}
      <QueryState query={board} isEmpty={(b) => b.entries.length === 0} empty={t('leaderboard.empty')}>
        {(b) => (
          <>
            {b.entries.some((e) => e.resellerId === user?.id) ? null : <p className="muted">{t('leaderboard.notYet')}</p>}
            <ol className="list" data-testid="leaderboard">
              {b.entries.map((e) => {
                const mine = e.resellerId === user?.id;
                return (
                  <li key={e.resellerId} className={`card row${mine ? ' rank-me' : ''}`} aria-current={mine ? 'true' : undefined} data-testid={mine ? 'my-rank' : 'rank'}>
                    <span>
                      <strong>#{e.rank}</strong> {e.name}
                      {mine ? <span className="badge badge-ok"> {t('leaderboard.you')}</span> : null}
                      {e.segment ? <span className="muted"> · {t(`segment.${e.segment}`)}</span> : null}
                    </span>
                    <span>
                      {t('resellers.sales', { n: e.orders })}
                      {e.revenue !== undefined ? <span className="muted"> · {formatRupiah(e.revenue)}</span> : null}
                    </span>
                  </li>
                );
              })}
            </ol>
          </>
        )}
      </QueryState>
      <OptOut onPublicBoard={publicBoard ? Boolean(me) : null} />
    </section>
  );
}

/**
 * Appearing on the public board is the reseller's choice. The server has no read of the setting,
 * so the page goes by what this device last set, else by whether the name is on the board (the
 * default is shown), and offers only the opposite action.
 */
function OptOut({ onPublicBoard }: { onPublicBoard: boolean | null }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [hidden, setHidden] = useState<boolean | null>(rememberedOptOut);
  const [changed, setChanged] = useState(false);
  const save = useMutation({
    mutationFn: (leaderboardOptOut: boolean) => api.patch<{ leaderboardOptOut: boolean }>('/me/preferences', { leaderboardOptOut }),
    onSuccess: (r) => {
      setHidden(r.leaderboardOptOut);
      setChanged(true);
      try {
        globalThis.localStorage?.setItem(OPT_OUT_KEY, String(r.leaderboardOptOut));
      } catch {
        // Not remembered on this device; the server has it.
      }
      void queryClient.invalidateQueries({ queryKey: ['leaderboard'] });
    },
  });
  // Being on the public board settles it (a stale device setting cannot say otherwise).
  const isHidden = onPublicBoard === true ? false : (hidden ?? false);
  return (
    <div className="card stack" data-testid="optout">
      <p className={changed ? 'state-success' : 'muted'} role={changed ? 'status' : undefined}>
        {isHidden ? t('leaderboard.hidden') : t('leaderboard.shown')}
      </p>
      <button type="button" className="btn btn-secondary btn-small" disabled={save.isPending} onClick={() => save.mutate(!isHidden)} data-testid="optout-toggle">
        {isHidden ? t('leaderboard.showMe') : t('leaderboard.hideMe')}
      </button>
      {save.isError ? <p className="field-error">{errorText(save.error, t)}</p> : null}
    </div>
  );
}
