import { useState } from 'react';
import { ApiError } from '../api/errors';
import { useI18n } from '../i18n';
import { errorText } from '../lib/errorText';
import { translateFieldIssues } from '../lib/fieldMessage';

/** Submit state for a form: server field errors land next to their fields, the rest above the button. */
export function useSubmit<T>(action: () => Promise<T>, onDone?: (result: T) => void) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const submit = async (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    if (busy) return;
    setBusy(true);
    setFormError(null);
    setFieldErrors({});
    try {
      const result = await action();
      onDone?.(result);
    } catch (err) {
      const fields = err instanceof ApiError ? translateFieldIssues(err.fieldIssues, t, lang) : {};
      setFieldErrors(fields);
      setFormError(Object.keys(fields).length ? t('error.VALIDATION_FAILED') : errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, fieldErrors, formError, setFieldErrors };
}
