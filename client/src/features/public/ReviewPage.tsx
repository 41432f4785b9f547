import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { Review } from '../../api/types';
import { FormError, SelectField, TextArea, TextField } from '../../components/Field';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';

export function ReviewPage() {
  const { productId = '' } = useParams();
  const [search] = useSearchParams();
  const { t } = useI18n();
  const [rating, setRating] = useState('5');
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [done, setDone] = useState(false);
  const token = search.get('token') ?? search.get('reviewToken') ?? undefined;
  const form = useSubmit(
    () =>
      api.post<Review>(`/products/${productId}/reviews`, {
        rating: Number(rating),
        text,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(token ? { reviewToken: token } : {}),
      }),
    () => setDone(true),
  );
  if (done) return <p className="state state-success" data-testid="review-thanks">{t('review.thanks')}</p>;
  return (
    <form className="stack card" onSubmit={form.submit} noValidate>
      <h1>{t('review.title')}</h1>
      <SelectField label={t('review.rating')} name="rating" value={rating} onChange={(e) => setRating(e.target.value)} error={form.fieldErrors.rating}>
        {[5, 4, 3, 2, 1].map((n) => (
          <option key={n} value={n}>
            {'★'.repeat(n)} ({n})
          </option>
        ))}
      </SelectField>
      <TextField label={t('review.name')} name="name" value={name} onChange={(e) => setName(e.target.value)} error={form.fieldErrors.name} />
      <TextArea label={t('review.text')} name="text" value={text} onChange={(e) => setText(e.target.value)} error={form.fieldErrors.text} />
      <FormError message={form.formError} />
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy} data-testid="review-submit">
        {t('review.submit')}
      </button>
    </form>
  );
}
