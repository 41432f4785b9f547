import { useState } from 'react';
import { api } from '../../api/client';
import type { Claim } from '../../api/types';
import { FormError, TextField } from '../../components/Field';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';

/** A sale the reseller closed in a chat: no commission until the owner confirms it. */
export function ClaimForm({ productId }: { productId: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [sent, setSent] = useState(false);
  const [quantity, setQuantity] = useState('1');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [note, setNote] = useState('');
  const form = useSubmit(
    () => api.post<Claim>('/claims', { productId, quantity: Number(quantity), buyer: { name: name.trim() || t('claims.defaultBuyer'), phone }, ...(note.trim() ? { note: note.trim() } : {}) }),
    () => setSent(true),
  );
  if (sent) return <p className="state-success">{t('claims.sent')}</p>;
  if (!open) {
    return (
      <button type="button" className="btn btn-link" onClick={() => setOpen(true)}>
        {t('claims.report')}
      </button>
    );
  }
  const e = form.fieldErrors;
  return (
    <form className="stack" onSubmit={form.submit} noValidate>
      <TextField label={t('orders.quantity')} type="number" min={1} inputMode="numeric" value={quantity} onChange={(ev) => setQuantity(ev.target.value)} error={e.quantity} />
      <TextField label={t('orders.buyerName')} value={name} onChange={(ev) => setName(ev.target.value)} error={e['buyer.name']} />
      <TextField label={t('orders.buyerPhone')} type="tel" inputMode="tel" value={phone} onChange={(ev) => setPhone(ev.target.value)} error={e['buyer.phone']} />
      <TextField label={t('claims.note')} value={note} onChange={(ev) => setNote(ev.target.value)} error={e.note} />
      <FormError message={form.formError} />
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy}>
        {t('claims.submit')}
      </button>
    </form>
  );
}
