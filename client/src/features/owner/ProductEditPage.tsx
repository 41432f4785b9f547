import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { MARKETPLACES, ProductCreateSchema, ProductUpdateSchema } from '@tular/shared';
import { api, uploadWithProgress } from '../../api/client';
import type { CommissionRulesInput, Product, PublicProduct, Shop } from '../../api/types';
import { FormError, TextArea, TextField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { parseRupiahInput } from '../../lib/format';
import { browserCodec, MAX_UPLOAD_BYTES, PhotoTooLargeError, preparePhoto } from '../../lib/photoResize';
import { CommissionEditor } from './CommissionEditor';
import { draftForValidation, toDraft } from './commissionDraft';
import { commissionAwareMessage } from './commissionErrors';
import { schemaIssues } from '../../lib/schemaIssues';

export function ProductNewPage() {
  const { shopId = '' } = useParams();
  const shop = useQuery({ queryKey: ['shop', shopId], queryFn: () => api.get<Shop>(`/shops/${shopId}`) });
  return <QueryState query={shop}>{(s) => <ProductForm shop={s} product={null} />}</QueryState>;
}

export function ProductEditPage() {
  const { productId = '' } = useParams();
  const product = useQuery({ queryKey: ['product', productId], queryFn: () => api.get<PublicProduct>(`/products/${productId}`) });
  const shopId = product.data?.shopId;
  const shop = useQuery({ queryKey: ['shop', shopId], queryFn: () => api.get<Shop>(`/shops/${shopId}`), enabled: Boolean(shopId) });
  return (
    <QueryState query={product}>
      {(p) => <QueryState query={shop}>{(s) => <ProductForm key={p.id} shop={s} product={p} />}</QueryState>}
    </QueryState>
  );
}

function ProductForm({ shop, product }: { shop: Shop; product: Product | null }) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(product?.name ?? '');
  const [description, setDescription] = useState(product?.description ?? '');
  const [price, setPrice] = useState(product ? String(product.price) : '');
  const [stock, setStock] = useState(product ? String(product.stock) : '');
  const [active, setActive] = useState(product?.active ?? true);
  const [ownCommission, setOwnCommission] = useState(Boolean(product?.commission));
  const [draft, setDraft] = useState(() => toDraft((product?.commission ?? shop.commission) as CommissionRulesInput));
  const [marketplace, setMarketplace] = useState<Record<string, string>>(() => ({ ...(product?.marketplace ?? {}) }));
  const [captions, setCaptions] = useState(() => (product?.creativeKit.captions ?? []).map((c) => c.text).join('\n'));
  const [saved, setSaved] = useState(false);
  const remove = useSubmit(
    () => api.del<unknown>(`/products/${product!.id}`),
    () => {
      void queryClient.invalidateQueries({ queryKey: ['shop-products', shop.id] });
      navigate(`/owner/shops/${shop.id}`, { replace: true });
    },
  );
  const body = () => ({
    name,
    description,
    // Unparseable numbers go as text so the schema names the field.
    price: parseRupiahInput(price) ?? price,
    stock: parseRupiahInput(stock) ?? stock,
    active,
    marketplace: Object.fromEntries(Object.entries(marketplace).filter(([, v]) => v.trim() !== '')),
    creativeKit: {
      captions: captions
        .split('\n')
        .map((text) => text.trim())
        .filter(Boolean)
        .map((text) => ({ lang, text })),
    },
    // A typo in a commission box is reported next to it (below), never silently dropped.
    ...(ownCommission ? { commission: draftForValidation(draft) } : product ? { commission: null } : {}),
  });
  const form = useSubmit(
    async () => (product ? api.patch<Product>(`/products/${product.id}`, body()) : api.post<Product>(`/shops/${shop.id}/products`, body())),
    (result) => {
      void queryClient.invalidateQueries({ queryKey: ['shop-products', shop.id] });
      void queryClient.invalidateQueries({ queryKey: ['product', result.id] });
      void queryClient.invalidateQueries({ queryKey: ['public-product', result.id] });
      setSaved(true);
      if (!product) navigate(`/owner/products/${result.id}`, { replace: true });
    },
    { validate: () => schemaIssues(product ? ProductUpdateSchema : ProductCreateSchema, body()), describe: commissionAwareMessage(draft.type) },
  );
  const e = form.fieldErrors;
  const samplePrice = parseRupiahInput(price) ?? 25_000;
  return (
    <div className="stack">
      <form className="stack card" onSubmit={form.submit} noValidate data-testid="product-form" onChange={() => setSaved(false)}>
        <h1>{product ? product.name : t('products.new')}</h1>
        <p className="muted">{shop.name}</p>
        <TextField label={t('products.name')} name="name" value={name} onChange={(ev) => setName(ev.target.value)} error={e.name} />
        <TextArea label={t('products.description')} name="description" value={description} onChange={(ev) => setDescription(ev.target.value)} error={e.description} />
        <TextField label={t('products.price')} name="price" inputMode="numeric" value={price} onChange={(ev) => setPrice(ev.target.value)} error={e.price} />
        <TextField label={t('products.stock')} name="stock" inputMode="numeric" value={stock} onChange={(ev) => setStock(ev.target.value)} error={e.stock} />
        <label className="check">
          <input type="checkbox" checked={active} onChange={(ev) => setActive(ev.target.checked)} /> {t('products.active')}
        </label>
        <label className="check">
          <input type="checkbox" checked={ownCommission} onChange={(ev) => setOwnCommission(ev.target.checked)} /> {t('products.ownCommission')}
        </label>
        {ownCommission ? <CommissionEditor draft={draft} onChange={setDraft} errors={e} shopRules={shop.commission} samplePrice={samplePrice} /> : null}
        <fieldset className="stack">
          <legend>{t('products.marketplace')}</legend>
          {MARKETPLACES.map((m) => (
            <TextField
              key={m}
              label={t(`marketplace.${m}`)}
              type="url"
              inputMode="url"
              placeholder="https://"
              value={marketplace[m] ?? ''}
              onChange={(ev) => setMarketplace({ ...marketplace, [m]: ev.target.value })}
              error={e[`marketplace.${m}`]}
            />
          ))}
        </fieldset>
        <TextArea label={t('products.captions')} name="captions" rows={4} value={captions} onChange={(ev) => setCaptions(ev.target.value)} error={e['creativeKit.captions']} />
        <FormError message={form.formError} />
        {saved ? <p className="state-success">{t('common.saved')}</p> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={form.busy} data-testid="product-save">
          {form.busy ? t('common.saving') : t('common.save')}
        </button>
      </form>
      {product ? (
        <>
          <PhotoUploader product={product} kind="photos" />
          <PhotoUploader product={product} kind="kit-photos" />
          <FormError message={remove.formError} />
          <button
            type="button"
            className="btn btn-danger btn-block"
            disabled={remove.busy}
            onClick={() => {
              if (window.confirm(t('products.deleteConfirm'))) void remove.submit();
            }}
          >
            {t('products.delete')}
          </button>
        </>
      ) : (
        <p className="muted">{t('products.saveFirst')}</p>
      )}
    </div>
  );
}

function PhotoUploader({ product, kind }: { product: Product; kind: 'photos' | 'kit-photos' }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shrinking, setShrinking] = useState(false);
  const upload = async (file: File) => {
    setError(null);
    let ready: Blob = file;
    setShrinking(true);
    try {
      ready = await preparePhoto(file, browserCodec);
    } catch (err) {
      if (err instanceof PhotoTooLargeError || file.size > MAX_UPLOAD_BYTES) {
        setShrinking(false);
        setError(t('products.photoTooLarge', { mb: (file.size / 1024 / 1024).toFixed(1) }));
        return;
      }
      // The browser could not open it (an unusual format): let the server say what it thinks.
    }
    setShrinking(false);
    setProgress(0);
    try {
      await uploadWithProgress(`/products/${product.id}/${kind}`, ready, setProgress);
      await queryClient.invalidateQueries({ queryKey: ['product', product.id] });
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setProgress(null);
    }
  };
  return (
    <section className="card stack">
      <h2>{kind === 'photos' ? t('products.photos') : t('products.kitPhotos')}</h2>
      <div className="grid">
        {(kind === 'photos' ? product.photos : product.creativeKit.photos).map((ph) => (
          <img key={ph.id} src={ph.url} alt="" width={160} height={120} loading="lazy" />
        ))}
      </div>
      {progress !== null ? (
        <div>
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress * 100)}>
            <div style={{ width: `${Math.round(progress * 100)}%` }} />
          </div>
          <small>{t('products.uploading', { pct: Math.round(progress * 100) })}</small>
        </div>
      ) : null}
      {shrinking ? (
        <p className="muted" role="status">
          <span className="spinner" aria-hidden="true" /> {t('products.shrinking')}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" role="alert" data-testid="photo-error">
          {error}
        </p>
      ) : null}
      <small className="hint">{t('products.photoHint')}</small>
      <label className="btn btn-secondary btn-block">
        {t('products.upload')}
        <input
          type="file"
          accept="image/*"
          hidden
          onChange={(ev) => {
            const file = ev.target.files?.[0];
            ev.target.value = '';
            if (file) void upload(file);
          }}
        />
      </label>
    </section>
  );
}
