import { useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { formatRupiah, type Marketplace } from '@tular/shared';
import { api } from '../../api/client';
import type { CheckoutResult, PublicProduct, Review, ShopSummary } from '../../api/types';
import { FormError, TextArea, TextField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';
import { formatDate } from '../../lib/format';
import { whatsappOrderUrl } from '../../lib/share';
import { rememberOrder, rememberRef } from './checkoutStore';

export function ProductPage() {
  const { productId = '' } = useParams();
  const [search] = useSearchParams();
  const ref = useMemo(() => rememberRef(productId, search.get('ref')), [productId, search]);
  const product = useQuery({
    queryKey: ['public-product', productId],
    queryFn: () => api.get<PublicProduct>(`/products/${productId}`),
  });
  return <QueryState query={product}>{(p) => <ProductView product={p} refCode={ref} />}</QueryState>;
}

function Stars({ value }: { value: number }) {
  const full = Math.round(value);
  return (
    <span className="stars" aria-hidden="true">
      {'★'.repeat(full)}
      {'☆'.repeat(Math.max(0, 5 - full))}
    </span>
  );
}

function ProductView({ product, refCode }: { product: PublicProduct; refCode: string | null }) {
  const { t, locale } = useI18n();
  const shop: ShopSummary = product.shop;
  const soldOut = product.soldOut || product.stock <= 0;
  const [photoIndex, setPhotoIndex] = useState(0);
  const photos = product.photos ?? [];
  const waMessage = t('product.waMessage', {
    shop: shop.name,
    product: product.name,
    ref: refCode ? t('product.waRef', { code: refCode }) : '',
  });
  // The marketplace names come as keys (importing shared's MARKETPLACES would pull zod into this page's bundle).
  const marketplaces = (Object.entries(product.marketplace ?? {}) as Array<[Marketplace, string | undefined]>).filter((e): e is [Marketplace, string] => typeof e[1] === 'string');
  const reviews = useQuery({
    queryKey: ['reviews', product.id],
    queryFn: () => api.list<Review>(`/products/${product.id}/reviews`, { limit: 10 }),
  });
  return (
    <article className="stack product">
      <div className="gallery">
        {photos.length ? (
          <img src={photos[photoIndex]?.url} alt={product.name} width={360} height={270} />
        ) : (
          <div className="photo-placeholder large" />
        )}
        {photos.length > 1 ? (
          <div className="thumbs">
            {photos.map((ph, i) => (
              <button key={ph.id} type="button" className={i === photoIndex ? 'thumb active' : 'thumb'} onClick={() => setPhotoIndex(i)}>
                <img src={ph.url} alt="" width={56} height={42} loading="lazy" />
              </button>
            ))}
          </div>
        ) : null}
      </div>
      <h1>{product.name}</h1>
      <p className="muted">
        <a href={`/s/${shop.slug}`}>{shop.name}</a>
        {shop.city ? ` · ${shop.city}` : ''}
      </p>
      <p className="price big" data-testid="price">
        {formatRupiah(product.price)}
      </p>
      {soldOut ? (
        <p className="badge badge-danger" data-testid="sold-out">
          {t('product.soldOut')}
        </p>
      ) : (
        <p className="muted">{t('product.stock', { n: product.stock })}</p>
      )}
      {product.rating.count > 0 && product.rating.average !== null ? (
        <p>
          <Stars value={product.rating.average} /> {t('product.rating', { avg: product.rating.average.toFixed(1), n: product.rating.count })}
        </p>
      ) : null}
      {refCode ? <p className="note">{t('product.refNote', { code: refCode })}</p> : null}
      {product.description ? <p className="description">{product.description}</p> : null}
      <a className="btn btn-whatsapp btn-block" href={whatsappOrderUrl(shop.whatsapp, waMessage)} target="_blank" rel="noreferrer" data-testid="order-whatsapp">
        {t('product.orderWhatsapp')}
      </a>
      {marketplaces.length ? (
        <div>
          <h2 className="small-heading">{t('product.marketplaces')}</h2>
          <div className="button-row">
            {marketplaces.map(([name, url]) => (
              <a key={name} className={`btn btn-secondary btn-${name}`} href={url} target="_blank" rel="noreferrer">
                {t(`marketplace.${name}`)}
              </a>
            ))}
          </div>
        </div>
      ) : null}
      {soldOut ? null : <CheckoutForm product={product} shop={shop} />}
      <section>
        <h2>{t('product.reviews')}</h2>
        <QueryState query={reviews} isEmpty={(r) => r.data.length === 0} empty={t('product.noReviews')}>
          {(page) => (
            <ul className="list">
              {page.data.map((r) => (
                <li key={r.id} className="card">
                  <Stars value={r.rating} /> <strong>{r.authorName}</strong>{' '}
                  <span className="muted">{formatDate(r.createdAt, locale)}</span>
                  <p>{r.text}</p>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
    </article>
  );
}

function CheckoutForm({ product, shop }: { product: PublicProduct; shop: ShopSummary }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [quantity, setQuantity] = useState('1');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [address, setAddress] = useState('');
  const [ref, setRef] = useState('');
  const qty = Math.max(1, Math.floor(Number(quantity)) || 1);
  const form = useSubmit(
    () =>
      // The link's attribution travels in the signed cookie; a typed code is explicit and wins over it.
      api.post<CheckoutResult>(
        '/checkout',
        { productId: product.id, quantity: qty, buyer: { name, phone, address }, ...(ref.trim() ? { ref: ref.trim() } : {}) },
        { auth: false },
      ),
    (result) => {
      const placed = { result, productId: product.id, productName: product.name, quantity: qty, shopName: shop.name, shopWhatsapp: shop.whatsapp };
      rememberOrder(placed);
      navigate(`/order/${result.id}`, { state: placed });
    },
  );
  const e = form.fieldErrors;
  return (
    <form className="card stack" onSubmit={form.submit} noValidate data-testid="checkout-form">
      <h2>{t('checkout.title')}</h2>
      <TextField
        label={t('checkout.quantity')}
        type="number"
        inputMode="numeric"
        min={1}
        max={product.stock}
        name="quantity"
        value={quantity}
        onChange={(ev) => setQuantity(ev.target.value)}
        error={e.quantity}
      />
      <TextField label={t('checkout.name')} name="name" autoComplete="name" value={name} onChange={(ev) => setName(ev.target.value)} error={e['buyer.name']} required />
      <TextField
        label={t('checkout.phone')}
        name="phone"
        type="tel"
        inputMode="tel"
        autoComplete="tel"
        value={phone}
        onChange={(ev) => setPhone(ev.target.value)}
        error={e['buyer.phone']}
        hint={t('checkout.phoneHint')}
        required
      />
      <TextArea label={t('checkout.address')} name="address" autoComplete="street-address" value={address} onChange={(ev) => setAddress(ev.target.value)} error={e['buyer.address']} />
      <TextField label={t('checkout.ref')} name="ref" value={ref} onChange={(ev) => setRef(ev.target.value)} error={e.ref} autoCapitalize="off" />
      <p className="total" data-testid="checkout-total">
        {t('checkout.total', { total: formatRupiah(qty * product.price) })}
      </p>
      <FormError message={form.formError} />
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy} data-testid="checkout-submit">
        {form.busy ? t('checkout.submitting') : t('checkout.submit')}
      </button>
    </form>
  );
}
