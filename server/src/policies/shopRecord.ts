import type { AuthUser } from '../lib/authUser';
import { NotFoundError } from '../lib/errors';
import { ShopModel } from '../models/Shop';
import { assertShopOwner } from './shop';

/**
 * A record that belongs to a shop (order, payout, claim, review) and that only the shop's owner (or
 * an admin) manages: 404 when it does not exist, 403 when the shop is someone else's.
 */
export async function authorizeShopRecord<T extends { shopId: unknown }>(user: AuthUser, record: T | null, what: string, code: string): Promise<T> {
  const shop = record ? await ShopModel.findById(String(record.shopId), { ownerId: 1 }) : null;
  if (!record || !shop) throw new NotFoundError(what, code);
  assertShopOwner(user, shop);
  return record;
}
