import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah, ORDER_STATUSES } from '@tular/shared';
import { api } from '../../api/client';
import type { Order, OrderStatus, Product, Shop } from '../../api/types';
import { FormError, SelectField, TextField } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useCursorList } from '../../hooks/useCursorList';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { formatDateTime } from '../../lib/format';
import { ClaimsList } from './ClaimsList';
import { ShopGate } from './ShopGate';
import { ShopPicker } from './ShopPicker';
import { useCurrentShop } from './shopContext';

/** The next steps an owner can take from each status (mirrors the server's lifecycle). */
const NEXT: Record<OrderStatus, Array<{ status: 'paid' | 'fulfilled' | 'cancelled' | 'refunded'; label: 'orders.markPaid' | 'orders.markFulfilled' | 'orders.cancel' | 'orders.refund'; kind: string }>> = {
  pending: [
    { status: 'paid', label: 'orders.markPaid', kind: 'btn-primary' },
    { status: 'cancelled', label: 'orders.cancel', kind: 'btn-danger' },
  ],
  paid: [
    { status: 'fulfilled', label: 'orders.markFulfilled', kind: 'btn-primary' },
    { status: 'cancelled', label: 'orders.cancel', kind: 'btn-danger' },
    { status: 'refunded', label: 'orders.refund', kind: 'btn-danger' },
  ],
  fulfilled: [{ status: 'refunded', label: 'orders.refund', kind: 'btn-danger' }],
  cancelled: [],
  refunded: [],
};

const STATUS_BADGE: Record<OrderStatus, string> = { pending: 'badge-warn', paid: 'badge-ok', fulfilled: 'badge-ok', cancelled: 'badge-muted', refunded: 'badge-muted' };

export function OrdersPage() {
  const { t, locale } = useI18n();
  const { shops, list, shop, setShopId } = useCurrentShop();
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const queryClient = useQueryClient();
  const orders = useCursorList<Order>(['orders', shop?.id, status], `/shops/${shop?.id}/orders`, { status: status || undefined }, Boolean(shop));
  const transition = useMutation({
    mutationFn: ({ id, next }: { id: string; next: string }) => api.patch<Order>(`/orders/${id}`, { status: next }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['orders', shop?.id] }),
  });
  if (!shop) return <ShopGate shops={shops} shop={shop}>{() => null}</ShopGate>;
  return (
    <section className="stack">
      <h1>{t('orders.title')}</h1>
      <ShopPicker list={list} shop={shop} onChange={setShopId} />
      <RecordSaleForm shop={shop} />
      <ClaimsList shopId={shop.id} timeZone={shop.timezone} />
      <SelectField label={t('orders.filter')} value={status} onChange={(e) => setStatus(e.target.value as OrderStatus | '')}>
        <option value="">{t('common.all')}</option>
        {ORDER_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`orders.status.${s}`)}
          </option>
        ))}
      </SelectField>
      {transition.isError ? <p className="field-error">{errorText(transition.error, t)}</p> : null}
      <QueryState query={orders.list} isEmpty={(rows) => rows.length === 0} empty={t('orders.empty')}>
        {(rows) => (
          <ul className="list">
            {rows.map((o) => (
              <li key={o.id} className="card stack" data-testid="order-row" data-order-id={o.id}>
                <div className="row">
                  <strong>
                    {o.quantity} × {o.productName}
                  </strong>
                  <span className={`badge ${STATUS_BADGE[o.status]}`} data-testid="order-status">
                    {t(`orders.status.${o.status}`)}
                  </span>
                </div>
                <div className="row">
                  <span className="price">{formatRupiah(o.total)}</span>
                  <span className="muted">{formatDateTime(o.createdAt, locale, shop.timezone)}</span>
                </div>
                {o.buyer ? (
                  <span className="muted">
                    {o.buyer.name} · {o.buyer.phone}
                  </span>
                ) : null}
                {o.attribution?.code ? <span className="muted">{t('orders.via', { name: o.attribution.code })}</span> : null}
                {o.flags?.selfReferral ? <span className="badge badge-danger">{t('orders.flagged')}</span> : null}
                <div className="button-row">
                  {NEXT[o.status].map((n) => (
                    <button
                      key={n.status}
                      type="button"
                      className={`btn btn-small ${n.kind}`}
                      disabled={transition.isPending}
                      data-testid={`order-${n.status}`}
                      onClick={() => transition.mutate({ id: o.id, next: n.status })}
                    >
                      {t(n.label)}
                    </button>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore {...orders} />
    </section>
  );
}

function RecordSaleForm({ shop }: { shop: Shop }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const products = useQuery({ queryKey: ['shop-products', shop.id], queryFn: () => api.list<Product>(`/shops/${shop.id}/products`, { limit: 100 }), enabled: open });
  const [productId, setProductId] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [ref, setRef] = useState('');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [address, setAddress] = useState('');
  const form = useSubmit(
    () =>
      api.post<Order>(`/shops/${shop.id}/orders`, {
        productId: productId || products.data?.data[0]?.id || '',
        quantity: Number(quantity),
        buyer: { name, phone, address },
        ...(ref.trim() ? { ref: ref.trim() } : {}),
      }),
    () => {
      void queryClient.invalidateQueries({ queryKey: ['orders', shop.id] });
      setOpen(false);
      setRef('');
      setName('');
      setPhone('');
      setAddress('');
    },
  );
  if (!open) {
    return (
      <button type="button" className="btn btn-secondary btn-block" onClick={() => setOpen(true)}>
        {t('orders.record')}
      </button>
    );
  }
  const e = form.fieldErrors;
  return (
    <form className="card stack" onSubmit={form.submit} noValidate>
      <h2>{t('orders.record')}</h2>
      <SelectField label={t('orders.product')} value={productId} onChange={(ev) => setProductId(ev.target.value)} error={e.productId}>
        {(products.data?.data ?? []).map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} — {formatRupiah(p.price)}
          </option>
        ))}
      </SelectField>
      <TextField label={t('orders.quantity')} type="number" min={1} inputMode="numeric" value={quantity} onChange={(ev) => setQuantity(ev.target.value)} error={e.quantity} />
      <TextField label={t('orders.ref')} value={ref} onChange={(ev) => setRef(ev.target.value)} error={e.ref} autoCapitalize="off" />
      <TextField label={t('orders.buyerName')} value={name} onChange={(ev) => setName(ev.target.value)} error={e['buyer.name']} />
      <TextField label={t('orders.buyerPhone')} type="tel" inputMode="tel" value={phone} onChange={(ev) => setPhone(ev.target.value)} error={e['buyer.phone']} />
      <TextField label={t('orders.buyerAddress')} value={address} onChange={(ev) => setAddress(ev.target.value)} error={e['buyer.address']} />
      <FormError message={form.formError} />
      <div className="two">
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={form.busy}>
          {t('orders.recordSubmit')}
        </button>
      </div>
    </form>
  );
}
