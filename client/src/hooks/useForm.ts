import { useState } from 'react';
import { ApiError } from '../api/errors';
import { useI18n, type Lang, type T } from '../i18n';
import { errorText } from '../lib/errorText';
import { fieldMessage, type IssueLike } from '../lib/fieldMessage';

export type Describe = (issue: IssueLike, field: string, t: T, lang: Lang) => string;

export interface SubmitOptions {
  /** Checked before anything is sent (the shared zod schema); issues block the submit and show by their fields. */
  validate?: () => Record<string, IssueLike>;
  /** Words a field's issue; defaults to the generic sentence per zod issue code. */
  describe?: Describe;
}

/** Submit state for a form: field errors (the browser's and the server's) land next to their fields, the rest above the button. */
export function useSubmit<T>(action: () => Promise<T>, onDone?: (result: T) => void, options: SubmitOptions = {}) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const describe = options.describe ?? fieldMessage;
  const words = (issues: Record<string, IssueLike>) => Object.fromEntries(Object.entries(issues).map(([field, issue]) => [field, describe(issue, field, t, lang)]));
  const submit = async (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    if (busy) return;
    setFormError(null);
    setFieldErrors({});
    const local = options.validate?.() ?? {};
    if (Object.keys(local).length) {
      const fields = words(local);
      setFieldErrors(fields);
      setFormError(fields._ ?? t('error.VALIDATION_FAILED'));
      return;
    }
    setBusy(true);
    try {
      const result = await action();
      onDone?.(result);
    } catch (err) {
      const fields = err instanceof ApiError ? words(err.fieldIssues) : {};
      setFieldErrors(fields);
      setFormError(Object.keys(fields).length ? (fields._ ?? t('error.VALIDATION_FAILED')) : errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, fieldErrors, formError, setFieldErrors };
}
