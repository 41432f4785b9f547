import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah, MARKETPLACES, type LinkDestination, type Segment } from '@tular/shared';
import { useUser } from '../../api/auth';
import { api } from '../../api/client';
import type { Link as TularLink, Membership, MyMembership, Product, Shop } from '../../api/types';
import { SelectField } from '../../components/Field';
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
  const segment: Segment = user?.segment ?? 'follower';
  const products = useQuery({ queryKey: ['shop-products', shop.id], queryFn: () => api.list<Product>(`/shops/${shop.id}/products`, { limit: 50 }) });
  return (
    <QueryState query={products} isEmpty={(p) => p.data.length === 0} empty={t('shop.empty')}>
      {(page) => (
        <ul className="list">
          {page.data.map((p) => (
            <ProductOffer key={p.id} shop={shop} product={p} segment={segment} />
          ))}
        </ul>
      )}
    </QueryState>
  );
}

function ProductOffer({ shop, product, segment }: { shop: Shop; product: Product; segment: Segment }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Only the marketplaces this product is really listed on; the server refuses the others.
  const listed = MARKETPLACES.filter((m) => Boolean(product.marketplace?.[m]));
  const [destination, setDestination] = useState<LinkDestination>('page');
  const makeLink = useMutation({
    // The WhatsApp link first (where most sharing happens); the other buttons make their own on the links page.
    mutationFn: () => api.post<TularLink>('/links', { productId: product.id, channel: 'whatsapp', destination }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['links'] });
      navigate('/reseller/links');
    },
  });
  const perItem = previewCommission(shop.commission, product.commission, segment, 1, product.price).amount;
  return (
    <li className="card stack" data-testid="discover-product">
      <div className="row">
        <strong>{product.name}</strong>
        <span className="price">{formatRupiah(product.price)}</span>
      </div>
      <span className="muted">{t('discover.commission', { amount: formatRupiah(perItem) })}</span>
      {listed.length ? (
        <SelectField label={t('links.destination')} value={destination} onChange={(e) => setDestination(e.target.value as LinkDestination)} data-testid="link-destination-select">
          <option value="page">{t('links.dest.page')}</option>
          {listed.map((m) => (
            <option key={m} value={m}>
              {t(`marketplace.${m}`)}
            </option>
          ))}
        </SelectField>
      ) : null}
      <button type="button" className="btn btn-primary" disabled={makeLink.isPending} onClick={() => makeLink.mutate()} data-testid="make-link">
        {t('discover.makeLink')}
      </button>
      {makeLink.isError ? <p className="field-error">{errorText(makeLink.error, t)}</p> : null}
    </li>
  );
}
