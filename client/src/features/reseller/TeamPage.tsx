import { formatRupiah, type TeamMember } from '@tular/shared';
import { useUser } from '../../api/auth';
import { CopyButton } from '../../components/CopyButton';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { useI18n } from '../../i18n';
import { formatDate } from '../../lib/format';
import { buildShareUrls } from '../../lib/share';

export function TeamPage() {
  const { t, locale } = useI18n();
  const user = useUser();
  const inviteUrl = user?.inviteCode ? `${window.location.origin}/register?role=reseller&invite=${encodeURIComponent(user.inviteCode)}` : '';
  const team = useCursorList<TeamMember>(['team'], '/me/team');
  const message = t('team.shareText');
  const share = inviteUrl ? buildShareUrls(inviteUrl, message) : null;
  const canShare = typeof navigator !== 'undefined' && typeof navigator.share === 'function';
  return (
    <section className="stack">
      <h1>{t('team.title')}</h1>
      <div className="card stack">
        <h2>{t('team.invite')}</h2>
        <p className="muted">{t('team.inviteHelp')}</p>
        {inviteUrl && share ? (
          <>
            <code className="secret" data-testid="invite-url">
              {inviteUrl}
            </code>
            <div className="two">
              <CopyButton text={inviteUrl} label={t('links.copy')} />
              {canShare ? (
                <button type="button" className="btn btn-secondary" onClick={() => void navigator.share({ title: t('app.name'), text: message, url: inviteUrl }).catch(() => undefined)}>
                  {t('links.share')}
                </button>
              ) : (
                <a className="btn btn-secondary" href={share.telegram} target="_blank" rel="noreferrer">
                  {t('channel.telegram')}
                </a>
              )}
            </div>
            <div className="two">
              <a className="btn btn-whatsapp" href={share.whatsapp} target="_blank" rel="noreferrer" data-testid="invite-whatsapp">
                {t('channel.whatsapp')}
              </a>
              <a className="btn btn-secondary" href={share.facebook} target="_blank" rel="noreferrer">
                {t('channel.facebook')}
              </a>
            </div>
          </>
        ) : null}
      </div>
      <h2>{t('team.members')}</h2>
      <QueryState query={team.list} isEmpty={(rows) => rows.length === 0} empty={t('team.empty')}>
        {(rows) => (
          <ul className="list" data-testid="team-list">
            {rows.map((m) => (
              <li key={m.id} className="card stack" data-testid="team-member">
                <div className="row">
                  <strong>{m.name}</strong>
                  {m.segment ? <span className="badge">{t(`segment.${m.segment}`)}</span> : null}
                </div>
                <span className="muted">{t('team.joined', { date: formatDate(m.joinedAt, locale) })}</span>
                <span data-testid="team-member-month">{t('team.month', { orders: m.month.orders, commission: formatRupiah(m.month.commission) })}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...team} />
    </section>
  );
}
