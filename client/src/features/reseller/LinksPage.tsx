import { useQuery } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import type { Link as TularLink, PublicProduct } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { ClaimForm } from './ClaimForm';
import { useI18n } from '../../i18n';

export function LinksPage() {
  const { t } = useI18n();
  const links = useCursorList<TularLink>(['links'], '/links');
  return (
    <section className="stack">
      <h1>{t('links.title')}</h1>
      <QueryState query={links.list} isEmpty={(rows) => rows.length === 0} empty={t('links.empty')}>
        {(rows) => (
          <ul className="list">
            {rows.map((l) => (
              <LinkCard key={l.id} link={l} />
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...links} />
    </section>
  );
}

function LinkCard({ link }: { link: TularLink }) {
  const { t, lang } = useI18n();
  const product = useQuery({
    queryKey: ['public-product', link.productId],
    queryFn: () => api.get<PublicProduct>(`/products/${link.productId}`),
    enabled: Boolean(link.productId),
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
      <strong>{p?.name ?? link.code}</strong>
      <code className="secret" data-testid="link-url">
        {link.url}
      </code>
      <div className="button-row">
        <a className="btn btn-whatsapp btn-small" href={link.shareUrls.whatsapp} target="_blank" rel="noreferrer">
          WhatsApp
        </a>
        <a className="btn btn-secondary btn-small" href={link.shareUrls.facebook} target="_blank" rel="noreferrer">
          Facebook
        </a>
        <a className="btn btn-secondary btn-small" href={link.shareUrls.x} target="_blank" rel="noreferrer">
          X
        </a>
        <a className="btn btn-secondary btn-small" href={link.shareUrls.telegram} target="_blank" rel="noreferrer">
          Telegram
        </a>
      </div>
      <div className="two">
        <CopyButton text={link.url} label={t('links.copy')} />
        <a className="btn btn-secondary" href={link.qr.png} download={`tular-${link.code}.png`}>
          {t('links.qr')}
        </a>
      </div>
      {link.productId ? <ClaimForm productId={link.productId} /> : null}
      <details>
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
