import { Link, useParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import type { Product, Shop } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { whatsappOrderUrl } from '../../lib/share';
import { photoUrl } from './photo';

export function ShopPage() {
  const { slug = '' } = useParams();
  const { t } = useI18n();
  const shop = useQuery({ queryKey: ['shop', slug], queryFn: () => api.get<Shop>(`/shops/${encodeURIComponent(slug)}`) });
  const shopId = shop.data?.id;
  const products = useQuery({
    queryKey: ['shop-products', shopId],
    queryFn: () => api.list<Product>(`/shops/${shopId}/products`, { limit: 50 }),
    enabled: Boolean(shopId),
  });
  return (
    <QueryState query={shop}>
      {(s) => (
        <section className="stack">
          <header>
            <h1>{s.name}</h1>
            {s.city ? <p className="muted">{t('shop.city', { city: s.city })}</p> : null}
            {s.description ? <p>{s.description}</p> : null}
            <a className="btn btn-whatsapp" href={whatsappOrderUrl(s.whatsapp, t('shop.waHello', { shop: s.name }))} target="_blank" rel="noreferrer">
              {t('shop.chat')}
            </a>
          </header>
          <h2>{t('shop.catalog')}</h2>
          <QueryState query={products} isEmpty={(p) => p.data.length === 0} empty={t('shop.empty')}>
            {(page) => (
              <ul className="grid">
                {page.data.map((p) => (
                  <li key={p.id} className="card product-card">
                    <Link to={`/p/${p.id}`}>
                      {photoUrl(p) ? <img src={photoUrl(p)} alt="" loading="lazy" width={160} height={120} /> : <div className="photo-placeholder" />}
                      <strong>{p.name}</strong>
                      <span className="price">{formatRupiah(p.price)}</span>
                      {p.stock <= 0 ? <span className="badge badge-muted">{t('product.soldOut')}</span> : null}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
      )}
    </QueryState>
  );
}
