import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import type { Product, Shop } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { photoUrl } from './photo';

export function HomePage() {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  const shops = useQuery({ queryKey: ['public-shops', q], queryFn: () => api.list<Shop>('/shops', { q, limit: 20 }) });
  // There is no platform-wide product index yet: search the newest shops' catalogs in parallel.
  const products = useQuery({
    queryKey: ['public-products', q],
    queryFn: async () => {
      const recent = await api.list<Shop>('/shops', { limit: 10 });
      const pages = await Promise.all(recent.data.map((s) => api.list<Product>(`/shops/${s.id}/products`, { q, limit: q ? 10 : 4 })));
      return { data: pages.flatMap((p) => p.data).slice(0, 24) };
    },
  });
  return (
    <section className="stack">
      <div className="hero">
        <h1>{t('home.title')}</h1>
        <p>{t('app.tagline')}</p>
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQ(input.trim());
          }}
        >
          <input type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder={t('home.searchPlaceholder')} aria-label={t('common.search')} />
          <button type="submit" className="btn btn-primary">
            {t('common.search')}
          </button>
        </form>
      </div>
      <h2>{t('home.products')}</h2>
      <QueryState query={products} isEmpty={(p) => p.data.length === 0} empty={t('home.emptyProducts')}>
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
      <h2>{t('home.shops')}</h2>
      <QueryState query={shops} isEmpty={(p) => p.data.length === 0} empty={t('home.emptyShops')}>
        {(page) => (
          <ul className="list">
            {page.data.map((s) => (
              <li key={s.id} className="card">
                <Link to={`/s/${s.slug}`} className="row-link">
                  <strong>{s.name}</strong>
                  {s.city ? <span className="muted">{s.city}</span> : null}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <div className="cta-row">
        <Link to="/register?role=owner" className="btn btn-secondary">
          {t('home.ctaOwner')}
        </Link>
        <Link to="/register?role=reseller" className="btn btn-secondary">
          {t('home.ctaReseller')}
        </Link>
      </div>
    </section>
  );
}
