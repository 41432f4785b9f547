import type { AuthUser } from '../lib/authUser';
import { AuthorizationError, NotFoundError } from '../lib/errors';
import { ShopModel, type ShopDoc } from '../models/Shop';
import { ProductModel, type ProductDoc } from '../models/Product';

const OBJECT_ID = /^[a-f0-9]{24}$/i;

export function isShopOwner(user: AuthUser | null | undefined, shop: Pick<ShopDoc, 'ownerId'>): boolean {
  return !!user && user.role === 'owner' && String(shop.ownerId) === user.id;
}

/** The shop's owner or an admin may manage it; everyone else gets 403. */
export function canManageShop(user: AuthUser | null | undefined, shop: Pick<ShopDoc, 'ownerId'>): boolean {
  return !!user && (user.role === 'admin' || isShopOwner(user, shop));
}

export function assertShopOwner(user: AuthUser, shop: Pick<ShopDoc, 'ownerId'>): void {
  if (!canManageShop(user, shop)) throw new AuthorizationError('Only the owner of this shop can do this (hanya pemilik toko)');
}

/** Loads a shop the caller manages: 404 when it does not exist, 403 when it is someone else's. */
export async function loadOwnedShop(user: AuthUser, shopId: string): Promise<ShopDoc> {
  if (!OBJECT_ID.test(shopId)) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
  const shop = await ShopModel.findById(shopId);
  if (!shop) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
  assertShopOwner(user, shop);
  return shop;
}

/** A product and its shop, for writes by the shop's owner (or an admin). */
export async function loadOwnedProduct(user: AuthUser, productId: string): Promise<{ product: ProductDoc; shop: ShopDoc }> {
  if (!OBJECT_ID.test(productId)) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  const product = await ProductModel.findById(productId);
  if (!product) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  const shop = await ShopModel.findById(product.shopId);
  if (!shop) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  assertShopOwner(user, shop);
  return { product, shop };
}
