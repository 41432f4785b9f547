import type { Product } from '../../api/types';

/** The first photo's URL, or undefined when the product has none yet. */
export function photoUrl(product: Pick<Product, 'photos'>): string | undefined {
  return product.photos?.[0]?.url;
}
