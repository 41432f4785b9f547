import { useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah, type Link as TularLink, type LinkDestination } from '@tular/shared';
import { api } from '../../api/client';
import type { PublicProduct } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { useI18n, type MessageKey } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { ClaimForm } from './ClaimForm';
import { groupLinks, linkRequest, SHARE_CHANNELS, type LinkGroup, type ShareChannel } from './linkGroups';

export const destinationLabel = (d: LinkDestination): MessageKey => (d === 'page' ? 'links.dest.page' : `marketplace.${d}`);

export function LinksPage() {
  const { t } = useI18n();
  const links = useCursorList<TularLink>(['links'], '/links', { limit: 50 });
  const groups = useMemo(() => groupLinks(links.rows), [links.rows]);
  return (
    <section className="stack">
      <h1>{t('links.title')}</h1>
      <QueryState query={links.list} isEmpty={(rows) => rows.length === 0} empty={t('links.empty')}>
        {() => (
          <ul className="list">
            {groups.map((g) => (
              <LinkCard key={g.key} group={g} />
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...links} />
    </section>
  );
}

/**
 * A share button with its own channel's link. When that link does not exist yet the tab is opened
 * inside the tap (browsers block a window opened later) and pointed at the share page once the
 * server has made — or returned — the link.
 */
function ShareButton({ group, channel, onError }: { group: LinkGroup; channel: ShareChannel; onError: (message: string) => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const own = group.byChannel[channel];
  const className = `btn btn-small ${channel === 'whatsapp' ? 'btn-whatsapp' : 'btn-secondary'}`;
  const label = t(`channel.${channel}`);
  if (own) {
    return (
      <a className={className} href={own.shareUrls[channel]} target="_blank" rel="noreferrer" data-testid={`share-${channel}`} data-code={own.code}>
        {label}
      </a>
    );
  }
  return (
    <button
      type="button"
      className={className}
      disabled={busy}
      data-testid={`share-${channel}`}
      onClick={() => {
        const tab = window.open('about:blank', '_blank');
        if (tab) tab.opener = null;
        setBusy(true);
        api
          .post<TularLink>('/links', linkRequest(group, channel))
          .then((made) => {
            const target = made.shareUrls[channel];
            if (tab) tab.location.href = target;
            else window.location.href = target;
            void queryClient.invalidateQueries({ queryKey: ['links'] });
          })
          .catch((err: unknown) => {
            tab?.close();
            onError(errorText(err, t));
          })
          .finally(() => setBusy(false));
      }}
    >
      {label}
    </button>
  );
}

function LinkCard({ group }: { group: LinkGroup }) {
  const { t, lang } = useI18n();
  const [shareError, setShareError] = useState<string | null>(null);
  const link = group.primary;
  const product = useQuery({
    queryKey: ['public-product', group.productId],
    queryFn: () => api.get<PublicProduct>(`/products/${group.productId}`),
    enabled: Boolean(group.productId),
  });
  const p = product.data;
  const ownCaptions = p?.creativeKit.captions.filter((c) => c.lang === lang).map((c) => c.text) ?? [];
  const vars = { product: p?.name ?? '', price: p ? formatRupiah(p.price) : '', shop: p?.shop.name ?? '', url: link.url };
  const captions = ownCaptions.length
    ? ownCaptions.map((c) => `${c} ${link.url}`)
    : [t('links.caption1', vars), t('links.caption2', vars), t('links.caption3', vars)];
  const kitPhotos = [...(p?.photos ?? []), ...(p?.creativeKit.photos ?? [])];
  return (
    <li className="card stack" data-testid="link-card" data-code={link.code}>
      <div className="row">
        <strong>{p?.name ?? link.code}</strong>
        <span className="badge" data-testid="link-destination">
          {t('links.to', { place: t(destinationLabel(group.destination)) })}
        </span>
      </div>
      <code className="secret" data-testid="link-url">
        {link.url}
      </code>
      <div className="button-row">
        {SHARE_CHANNELS.map((c) => (
          <ShareButton key={c} group={group} channel={c} onError={setShareError} />
        ))}
      </div>
      {shareError ? <p className="field-error">{shareError}</p> : null}
      <div className="two">
        <CopyButton text={link.url} label={t('links.copy')} />
        <a className="btn btn-secondary" href={link.qr.png} download={`tular-${link.code}.png`}>
          {t('links.qr')}
        </a>
      </div>
      {group.productId ? <ClaimForm productId={group.productId} /> : null}
      <details data-testid="creative-kit">
        <summary className="btn btn-link">{t('links.kit')}</summary>
        <ul className="list">
          {captions.map((c) => (
            <li key={c} className="card stack">
              <span>{c}</span>
              <CopyButton text={c} />
            </li>
          ))}
        </ul>
        {kitPhotos.length ? (
          <>
            <p>{t('links.photos')}</p>
            <div className="grid">
              {kitPhotos.map((ph) => (
                <a key={ph.id} href={ph.url} download>
                  <img src={ph.url} alt="" width={160} height={120} loading="lazy" />
                </a>
              ))}
            </div>
          </>
        ) : null}
      </details>
    </li>
  );
}
