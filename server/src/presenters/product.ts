import type { Photo, Product, PublicProduct } from '@tular/shared';
import type { ProductDoc } from '../models/Product';
import type { ShopDoc } from '../models/Shop';
import { fileUrl, presentCommission, presentShopSummary } from './shop';

function photos(ids: readonly unknown[]): Photo[] {
  return ids.map((id) => ({ id: String(id), url: fileUrl(id) }));
}

/** One decimal place, as shown next to the stars. */
function ratingAverage(sum: number, count: number): number | null {
  return count > 0 ? Math.round((sum / count) * 10) / 10 : null;
}

export function presentProduct(product: ProductDoc): Product {
  const marketplace: Product['marketplace'] = {};
  for (const key of ['shopee', 'tokopedia', 'lazada', 'tiktok'] as const) {
    const url = product.marketplace?.[key];
    if (url) marketplace[key] = url;
  }
  return {
    id: String(product._id),
    shopId: String(product.shopId),
    name: product.name,
    description: product.description ?? '',
    category: product.category ?? '',
    price: product.price,
    stock: product.stock,
    soldOut: product.stock <= 0,
    photos: photos(product.photoIds),
    commission: product.commission ? presentCommission(product.commission) : null,
    marketplace,
    active: product.active ?? true,
    creativeKit: {
      captions: (product.creativeKit?.captions ?? []).map((c) => ({ lang: c.lang, text: c.text })),
      photos: photos(product.creativeKit?.photoIds ?? []),
    },
    rating: { average: ratingAverage(product.ratingSum ?? 0, product.ratingCount ?? 0), count: product.ratingCount ?? 0 },
    createdAt: (product.createdAt ?? new Date()).toISOString(),
  };
}

export function presentPublicProduct(product: ProductDoc, shop: ShopDoc): PublicProduct {
  return { ...presentProduct(product), shop: presentShopSummary(shop) };
}
