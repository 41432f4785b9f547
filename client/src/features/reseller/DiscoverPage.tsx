import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah, type Segment } from '@tular/shared';
import { useUser } from '../../api/auth';
import { api } from '../../api/client';
import type { Link as TularLink, Membership, MyMembership, Product, Shop } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { previewCommission } from '../owner/commissionPreview';

export function DiscoverPage() {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  const shops = useQuery({ queryKey: ['public-shops', q], queryFn: () => api.list<Shop>('/shops', { q, limit: 30 }) });
  const memberships = useQuery({ queryKey: ['my-memberships'], queryFn: () => api.list<MyMembership>('/me/memberships', { limit: 100 }) });
  const statusOf = (shopId: string) => memberships.data?.data.find((m) => m.shopId === shopId)?.status;
  return (
    <section className="stack">
      <h1>{t('discover.title')}</h1>
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
      <QueryState query={shops} isEmpty={(p) => p.data.length === 0} empty={t('home.emptyShops')}>
        {(page) => (
          <ul className="list">
            {page.data.map((s) => (
              <ShopCard key={s.id} shop={s} status={statusOf(s.id)} />
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function ShopCard({ shop, status }: { shop: Shop; status: Membership['status'] | undefined }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const join = useMutation({
    mutationFn: () => api.post<Membership>(`/shops/${shop.id}/join`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['my-memberships'] }),
  });
  return (
    <li className="card stack" data-testid="discover-shop" data-shop-slug={shop.slug}>
      <div className="row">
        <strong>{shop.name}</strong>
        {shop.city ? <span className="muted">{shop.city}</span> : null}
      </div>
      {status === 'approved' ? (
        <span className="badge badge-ok">{t('discover.joined')}</span>
      ) : status === 'pending' ? (
        <span className="badge badge-warn">{t('discover.pending')}</span>
      ) : status === 'blocked' ? (
        <span className="badge badge-danger">{t('discover.blocked')}</span>
      ) : (
        <button type="button" className="btn btn-primary" onClick={() => join.mutate()} disabled={join.isPending} data-testid="join-shop">
          {t('discover.join')}
        </button>
      )}
      {join.isError ? <p className="field-error">{errorText(join.error, t)}</p> : null}
      {status === 'approved' ? <ShopProducts shop={shop} /> : null}
    </li>
  );
}

function ShopProducts({ shop }: { shop: Shop }) {
  const { t } = useI18n();
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const segment: Segment = user?.segment ?? 'follower';
  const products = useQuery({ queryKey: ['shop-products', shop.id], queryFn: () => api.list<Product>(`/shops/${shop.id}/products`, { limit: 50 }) });
  const makeLink = useMutation({
    mutationFn: (productId: string) => api.post<TularLink>('/links', { productId, channel: 'whatsapp' }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['links'] });
      navigate('/reseller/links');
    },
  });
  return (
    <QueryState query={products} isEmpty={(p) => p.data.length === 0} empty={t('shop.empty')}>
      {(page) => (
        <ul className="list">
          {page.data.map((p) => {
            const perItem = previewCommission(shop.commission, p.commission, segment, 1, p.price).amount;
            return (
              <li key={p.id} className="card stack" data-testid="discover-product">
                <div className="row">
                  <strong>{p.name}</strong>
                  <span className="price">{formatRupiah(p.price)}</span>
                </div>
                <span className="muted">{t('discover.commission', { amount: formatRupiah(perItem) })}</span>
                <button type="button" className="btn btn-primary" disabled={makeLink.isPending} onClick={() => makeLink.mutate(p.id)} data-testid="make-link">
                  {t('discover.makeLink')}
                </button>
              </li>
            );
          })}
          {makeLink.isError ? <p className="field-error">{errorText(makeLink.error, t)}</p> : null}
        </ul>
      )}
    </QueryState>
  );
}
