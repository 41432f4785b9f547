import { useI18n } from '../i18n';

export function LoadMore({ hasNextPage, isFetchingNextPage, fetchNextPage }: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }) {
  const { t } = useI18n();
  if (!hasNextPage) return null;
  return (
    <button type="button" className="btn btn-secondary btn-block" disabled={isFetchingNextPage} onClick={() => void fetchNextPage()}>
      {isFetchingNextPage ? t('common.loading') : t('common.more')}
    </button>
  );
}
