import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import { errorText } from '../lib/errorText';

/** What QueryState needs from a query (a plain or an infinite TanStack query both fit). */
export interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

interface Props<T> {
  query: QueryLike<T>;
  /** When the data counts as empty (an empty list), this message shows instead of children. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** Every list goes through here so each one has a loading, an empty and an error state. */
export function QueryState<T>({ query, isEmpty, empty, children }: Props<T>) {
  const { t } = useI18n();
  if (query.isPending) {
    return (
      <p className="state state-loading" role="status" data-testid="loading">
        <span className="spinner" aria-hidden="true" /> {t('common.loading')}
      </p>
    );
  }
  if (query.isError) {
    return (
      <div className="state state-error" role="alert" data-testid="error">
        <p>{errorText(query.error, t) || t('common.error')}</p>
        <button type="button" className="btn btn-secondary" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  const data = query.data as T;
  if (isEmpty?.(data)) {
    return (
      <p className="state state-empty" data-testid="empty">
        {empty}
      </p>
    );
  }
  return <>{children(data)}</>;
}
