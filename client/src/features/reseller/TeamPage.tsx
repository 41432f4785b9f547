import { useQuery } from '@tanstack/react-query';
import { useUser } from '../../api/auth';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';
import { CopyButton } from '../../components/CopyButton';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { buildShareUrls } from '../../lib/share';

interface TeamMember {
  id: string;
  name: string;
  segment?: string;
  joinedAt?: string;
}

export function TeamPage() {
  const { t } = useI18n();
  const user = useUser();
  const inviteUrl = user?.inviteCode ? `${window.location.origin}/register?invite=${encodeURIComponent(user.inviteCode)}` : '';
  const team = useQuery({
    queryKey: ['team'],
    // GET /me/team (the downline) may not exist on every server version; missing means "nobody yet".
    queryFn: () =>
      api.list<TeamMember>('/me/team', { limit: 100 }).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'ROUTE_NOT_FOUND') return { data: [], page: { next: null } };
        throw err;
      }),
  });
  const share = inviteUrl ? buildShareUrls(inviteUrl, t('team.inviteHelp')) : null;
  return (
    <section className="stack">
      <h1>{t('team.title')}</h1>
      <div className="card stack">
        <h2>{t('team.invite')}</h2>
        <p className="muted">{t('team.inviteHelp')}</p>
        {inviteUrl ? (
          <>
            <code className="secret" data-testid="invite-url">
              {inviteUrl}
            </code>
            <div className="two">
              <CopyButton text={inviteUrl} />
              <a className="btn btn-whatsapp" href={share?.whatsapp} target="_blank" rel="noreferrer">
                WhatsApp
              </a>
            </div>
          </>
        ) : null}
      </div>
      <QueryState query={team} isEmpty={(p) => p.data.length === 0} empty={t('team.empty')}>
        {(page) => (
          <ul className="list">
            {page.data.map((m) => (
              <li key={m.id} className="card row">
                <strong>{m.name}</strong>
                {m.segment ? <span className="muted">{m.segment}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
