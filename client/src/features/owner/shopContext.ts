import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Shop } from '../../api/types';

const KEY = 'tular.owner.shop';

export function useMyShops() {
  return useQuery({ queryKey: ['my-shops'], queryFn: () => api.list<Shop>('/shops', { mine: 'true', limit: 50 }) });
}

/** The shop the owner is looking at; remembered across visits, the first shop by default. */
export function useCurrentShop() {
  const shops = useMyShops();
  const [selected, setSelected] = useState<string | null>(() => globalThis.localStorage?.getItem(KEY) ?? null);
  const list = shops.data?.data ?? [];
  const shop = list.find((s) => s.id === selected) ?? list[0] ?? null;
  useEffect(() => {
    if (selected) globalThis.localStorage?.setItem(KEY, selected);
  }, [selected]);
  return { shops, list, shop, setShopId: setSelected };
}
