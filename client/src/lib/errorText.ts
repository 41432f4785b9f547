import { ApiError } from '../api/errors';
import type { MessageKey, T } from '../i18n';
import { id } from '../i18n/id';

/** A sentence for the person in front of the screen; codes we know get plain words, others the server's message. */
export function errorText(err: unknown, t: T): string {
  if (err instanceof ApiError) {
    const key = `error.${err.code}` as MessageKey;
    if (key in id) return t(key);
    // A 404 from a route or record means "not there (yet)" to a person, not an English server sentence.
    if (err.status === 404) return t('common.error');
    if (err.message && err.status > 0 && err.status < 500) return err.message;
  }
  return t('error.generic');
}
