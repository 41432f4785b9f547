import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import type { PublicProduct, Shop } from '../../api/types';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { useI18n } from '../../i18n';
import { photoUrl } from './photo';

export function HomePage() {
  const { t } = useI18n();
  // The search lives in the URL: the back button and a shared link bring the same results.
  const [search, setSearch] = useSearchParams();
  const q = search.get('q') ?? '';
  const city = search.get('city') ?? '';
  const category = search.get('category') ?? '';
  const [input, setInput] = useState(q);
  const [cityInput, setCityInput] = useState(city);
  const shops = useQuery({ queryKey: ['public-shops', q, city], queryFn: () => api.list<Shop>('/shops', { q, city, limit: 20 }) });
  // One platform-wide index of every shop's active products, newest first, a page at a time.
  const products = useCursorList<PublicProduct>(['public-products', q, city, category], '/products', { q, city, category });
  return (
    <section className="stack">
      <div className="hero">
        <h1>{t('home.title')}</h1>
        <p>{t('app.tagline')}</p>
        <form
          className="stack"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const next = new URLSearchParams();
            if (input.trim()) next.set('q', input.trim());
            if (cityInput.trim()) next.set('city', cityInput.trim());
            if (category) next.set('category', category);
            setSearch(next);
          }}
        >
          <div className="search">
            <input type="search" name="q" value={input} onChange={(e) => setInput(e.target.value)} placeholder={t('home.searchPlaceholder')} aria-label={t('common.search')} />
            <button type="submit" className="btn btn-primary" data-testid="home-search">
              {t('common.search')}
            </button>
          </div>
          <input name="city" value={cityInput} onChange={(e) => setCityInput(e.target.value)} placeholder={t('home.cityPlaceholder')} aria-label={t('home.city')} />
        </form>
      </div>
      <h2>{t('home.products')}</h2>
      <QueryState query={products.list} isEmpty={(rows) => rows.length === 0} empty={t('home.emptyProducts')}>
        {(rows) => (
          <ul className="grid" data-testid="home-products">
            {rows.map((p) => (
              <li key={p.id} className="card product-card" data-testid="home-product">
                <Link to={`/p/${p.id}`}>
                  {photoUrl(p) ? <img src={photoUrl(p)} alt="" loading="lazy" width={160} height={120} /> : <div className="photo-placeholder" />}
                  <strong>{p.name}</strong>
                  <span className="price">{formatRupiah(p.price)}</span>
                  <span className="muted small">
                    {p.shop.name}
                    {p.shop.city ? ` · ${p.shop.city}` : ''}
                  </span>
                  {p.soldOut || p.stock <= 0 ? <span className="badge badge-muted">{t('product.soldOut')}</span> : null}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...products} />
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
