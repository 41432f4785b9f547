import type { ShopUpdate } from '@tular/shared';
import type { EventBus } from '../../events/bus';
import { withWriteLock } from '../../db/writeLock';
import { NotFoundError } from '../../lib/errors';
import { deletePhoto } from '../../lib/photoStore';
import { ShopModel, shopLockKey, type ShopDoc } from '../../models/Shop';
import { claimSlug } from './shopCreator';

async function setShopFields(shopId: string, fields: Record<string, unknown>): Promise<ShopDoc> {
  // Not findByIdAndUpdate: FerretDB v1's findAndModify rejects the projection that hides conversionSecretHash.
  const updated = await withWriteLock(shopLockKey(shopId), async () => {
    const result = await ShopModel.updateOne({ _id: shopId }, { $set: fields }, { runValidators: true });
    return result.matchedCount ? ShopModel.findById(shopId) : null;
  });
  if (!updated) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
  return updated;
}

export async function updateShop(shop: ShopDoc, input: ShopUpdate, bus: EventBus): Promise<ShopDoc> {
  const shopId = String(shop._id);
  const fields = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const updated =
    input.slug && input.slug !== shop.slug ? await claimSlug(input.slug, shopId, () => setShopFields(shopId, fields)) : await setShopFields(shopId, fields);
  bus.emit('shop', { shopId });
  return updated;
}

/** Points the shop at a newly stored logo and drops the old file. */
export async function replaceShopLogo(shop: ShopDoc, fileId: string, bus: EventBus): Promise<ShopDoc> {
  const previous = shop.logoFileId;
  const updated = await setShopFields(String(shop._id), { logoFileId: fileId });
  if (previous && String(previous) !== fileId) await deletePhoto(previous);
  bus.emit('shop', { shopId: String(updated._id) });
  return updated;
}
