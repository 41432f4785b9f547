import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { DEFAULT_COMMISSION, formatRupiah, HOLD_DAYS, ShopCreateSchema, ShopUpdateSchema } from '@tular/shared';
import { api } from '../../api/client';
import type { Product, Shop } from '../../api/types';
import { FormError, SelectField, TextField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';
import { CommissionEditor } from './CommissionEditor';
import { draftForValidation, toDraft } from './commissionDraft';
import { commissionAwareMessage } from './commissionErrors';
import { parseRupiahInput } from '../../lib/format';
import { schemaIssues } from '../../lib/schemaIssues';

export function ShopNewPage() {
  return <ShopForm shop={null} />;
}

export function ShopEditPage() {
  const { shopId = '' } = useParams();
  const { t } = useI18n();
  const shop = useQuery({ queryKey: ['shop', shopId], queryFn: () => api.get<Shop>(`/shops/${shopId}`) });
  const products = useQuery({ queryKey: ['shop-products', shopId], queryFn: () => api.list<Product>(`/shops/${shopId}/products`, { limit: 100 }) });
  return (
    <QueryState query={shop}>
      {(s) => (
        <div className="stack">
          <section className="stack">
            <div className="row">
              <h1>{t('shops.products')}</h1>
              <Link to={`/owner/shops/${s.id}/products/new`} className="btn btn-primary" data-testid="new-product">
                {t('products.new')}
              </Link>
            </div>
            <QueryState query={products} isEmpty={(p) => p.data.length === 0} empty={t('products.empty')}>
              {(page) => (
                <ul className="list">
                  {page.data.map((p) => (
                    <li key={p.id} className="card">
                      <Link to={`/owner/products/${p.id}`} className="row-link">
                        <strong>{p.name}</strong>
                        <span>
                          {formatRupiah(p.price)} · {p.stock > 0 ? t('product.stock', { n: p.stock }) : <span className="badge badge-danger">{t('product.soldOut')}</span>}
                        </span>
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </QueryState>
            <Link to={`/s/${s.slug}`} className="btn btn-link">
              {t('shops.open')}
            </Link>
          </section>
          <ShopForm shop={s} />
        </div>
      )}
    </QueryState>
  );
}

function ShopForm({ shop }: { shop: Shop | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(shop?.name ?? '');
  const [slug, setSlug] = useState(shop?.slug ?? '');
  const [whatsapp, setWhatsapp] = useState(shop?.whatsapp ?? '');
  const [city, setCity] = useState(shop?.city ?? '');
  const [joinPolicy, setJoinPolicy] = useState(shop?.joinPolicy ?? 'open');
  const [draft, setDraft] = useState(() => toDraft(shop?.commission ?? DEFAULT_COMMISSION));
  const [attributionDays, setAttributionDays] = useState(String(shop?.attributionDays ?? 7));
  const [holdDays, setHoldDays] = useState(String(shop?.holdDays ?? 7));
  const [minPayout, setMinPayout] = useState(String(shop?.minPayout ?? 10000));
  const [saved, setSaved] = useState(false);
  const body = () => ({
    name,
    slug: slug || undefined,
    whatsapp,
    city,
    joinPolicy,
    // Always sent: a typo is caught below, next to its box, instead of the rules being left out.
    commission: draftForValidation(draft),
    attributionDays: Number(attributionDays),
    holdDays: Number(holdDays),
    minPayout: parseRupiahInput(minPayout) ?? minPayout,
  });
  const form = useSubmit(
    async () => (shop ? api.patch<Shop>(`/shops/${shop.id}`, body()) : api.post<Shop>('/shops', body())),
    (result) => {
      void queryClient.invalidateQueries({ queryKey: ['my-shops'] });
      queryClient.setQueryData(['shop', result.id], result);
      setSaved(true);
      if (!shop) navigate(`/owner/shops/${result.id}`, { replace: true });
    },
    { validate: () => schemaIssues(shop ? ShopUpdateSchema : ShopCreateSchema, body()), describe: commissionAwareMessage(draft.type) },
  );
  const e = form.fieldErrors;
  return (
    <form className="stack card" onSubmit={form.submit} noValidate data-testid="shop-form" onChange={() => setSaved(false)}>
      <h1>{shop ? shop.name : t('shops.new')}</h1>
      <TextField label={t('shops.name')} name="name" value={name} onChange={(ev) => setName(ev.target.value)} error={e.name} />
      <TextField label={t('shops.slug')} name="slug" value={slug} onChange={(ev) => setSlug(ev.target.value.toLowerCase())} error={e.slug} autoCapitalize="off" />
      <TextField label={t('shops.whatsapp')} name="whatsapp" type="tel" inputMode="tel" value={whatsapp} onChange={(ev) => setWhatsapp(ev.target.value)} error={e.whatsapp} hint={t('checkout.phoneHint')} />
      <TextField label={t('shops.city')} name="city" value={city} onChange={(ev) => setCity(ev.target.value)} error={e.city} />
      <SelectField label={t('shops.joinPolicy')} value={joinPolicy} onChange={(ev) => setJoinPolicy(ev.target.value as Shop['joinPolicy'])} error={e.joinPolicy}>
        <option value="open">{t('shops.joinOpen')}</option>
        <option value="approval">{t('shops.joinApproval')}</option>
      </SelectField>
      <CommissionEditor draft={draft} onChange={setDraft} errors={e} />
      <TextField label={t('shops.attributionDays')} name="attributionDays" type="number" inputMode="numeric" min={1} max={90} value={attributionDays} onChange={(ev) => setAttributionDays(ev.target.value)} error={e.attributionDays} />
      <SelectField label={t('shops.holdDays')} name="holdDays" value={holdDays} onChange={(ev) => setHoldDays(ev.target.value)} error={e.holdDays}>
        {HOLD_DAYS.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </SelectField>
      <TextField label={t('shops.minPayout')} name="minPayout" inputMode="numeric" value={minPayout} onChange={(ev) => setMinPayout(ev.target.value)} error={e.minPayout} />
      <FormError message={form.formError} />
      {saved ? <p className="state-success">{t('common.saved')}</p> : null}
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy} data-testid="shop-save">
        {form.busy ? t('common.saving') : t('common.save')}
      </button>
    </form>
  );
}
