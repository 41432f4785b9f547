import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import { api } from '../api/client';

type Query = Record<string, string | number | undefined>;

/**
 * A cursor-paged list (`{data, page:{next}}`) as one growing array with a "load more" step: phones
 * fetch 20 rows at a time instead of a whole year's orders.
 */
export function useCursorList<T>(key: QueryKey, path: string, query: Query = {}, enabled = true) {
  const result = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => api.list<T>(path, { limit: 20, ...query, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.page.next,
    enabled,
  });
  const rows = result.data?.pages.flatMap((p) => p.data) ?? [];
  // `list` is what QueryState takes: the rows once the first page is in.
  return { ...result, rows, list: { ...result, data: result.data ? rows : undefined } };
}
