import mongoose from 'mongoose';
import { MAX_KIT_PHOTOS, MAX_PRODUCT_PHOTOS, type ProductCreate, type ProductUpdate } from '@tular/shared';
import type { EventBus } from '../../events/bus';
import type { AuthUser } from '../../lib/authUser';
import { withWriteLock } from '../../db/writeLock';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { deletePhoto, savePhoto, type ImageType } from '../../lib/photoStore';
import { ProductModel, productLockKey, type ProductDoc } from '../../models/Product';
import type { ShopDoc } from '../../models/Shop';

// Product changes can change where a link sends buyers (inactive product, new listing): caches keyed on the shop drop.
function announce(bus: EventBus, product: ProductDoc): void {
  bus.emit('shop', { shopId: String(product.shopId) });
}

export async function createProduct(shop: ShopDoc, input: ProductCreate): Promise<ProductDoc> {
  const { creativeKit, ...rest } = input;
  return ProductModel.create({ ...rest, shopId: shop._id, creativeKit: { captions: creativeKit.captions, photoIds: [] } });
}

async function freshProduct(id: string): Promise<ProductDoc> {
  const product = await ProductModel.findById(id);
  if (!product) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  return product;
}

/** The owner may reorder or drop photos but not point at files of other products. */
function keepOnlyKnown(given: string[] | undefined, current: readonly unknown[], path: string): { next?: string[]; dropped: string[] } {
  if (!given) return { dropped: [] };
  const known = new Set(current.map(String));
  const unknown = given.filter((id) => !known.has(id));
  if (unknown.length) throw new ValidationError([{ path, message: `not a photo of this product: ${unknown.join(', ')}` }]);
  const keep = new Set(given);
  return { next: given, dropped: [...known].filter((id) => !keep.has(id)) };
}

export async function updateProduct(productId: string, input: ProductUpdate, bus: EventBus): Promise<ProductDoc> {
  const { commission, photoIds, creativeKit, ...plain } = input;
  const { updated, dropped } = await withWriteLock(productLockKey(productId), async () => {
    const current = await freshProduct(productId);
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined));
    const unset: Record<string, ''> = {};
    if (commission === null) unset.commission = '';
    else if (commission) set.commission = commission;
    const photos = keepOnlyKnown(photoIds, current.photoIds, 'body.photoIds');
    if (photos.next) set.photoIds = photos.next;
    const kitPhotos = keepOnlyKnown(creativeKit?.photoIds, current.creativeKit?.photoIds ?? [], 'body.creativeKit.photoIds');
    if (kitPhotos.next) set['creativeKit.photoIds'] = kitPhotos.next;
    if (creativeKit?.captions) set['creativeKit.captions'] = creativeKit.captions;
    const update: mongoose.UpdateQuery<ProductDoc> = {};
    if (Object.keys(set).length) update.$set = set;
    if (Object.keys(unset).length) update.$unset = unset;
    const doc = await ProductModel.findByIdAndUpdate(productId, update, { new: true, runValidators: true });
    if (!doc) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
    return { updated: doc, dropped: [...photos.dropped, ...kitPhotos.dropped] };
  });
  await Promise.all(dropped.map((id) => deletePhoto(id)));
  announce(bus, updated);
  return updated;
}

/** Soft delete: orders, links and reviews keep pointing at the product; the catalog hides it. */
export async function deactivateProduct(productId: string, bus: EventBus): Promise<ProductDoc> {
  const updated = await withWriteLock(productLockKey(productId), () =>
    ProductModel.findByIdAndUpdate(productId, { $set: { active: false } }, { new: true }),
  );
  if (!updated) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  announce(bus, updated);
  return updated;
}

export type ProductPhotoKind = 'product' | 'kit';

function tooMany(kind: ProductPhotoKind, max: number): ConflictError {
  return new ConflictError('TOO_MANY_PHOTOS', `A product can have at most ${max} ${kind === 'product' ? 'photos' : 'creative-kit photos'}; remove one first`);
}

/** Stores an uploaded photo and appends it to the product's photos or creative kit, within the per-product limit. */
export async function attachProductPhoto(
  productId: string,
  kind: ProductPhotoKind,
  image: { bytes: Buffer; contentType: ImageType },
  uploader: AuthUser,
): Promise<ProductDoc> {
  const field = kind === 'product' ? 'photoIds' : 'creativeKit.photoIds';
  const max = kind === 'product' ? MAX_PRODUCT_PHOTOS : MAX_KIT_PHOTOS;
  // Under the lock the count check and the push cannot interleave with another upload.
  return withWriteLock(productLockKey(productId), async () => {
    const current = await freshProduct(productId);
    const count = kind === 'product' ? current.photoIds.length : (current.creativeKit?.photoIds ?? []).length;
    if (count >= max) throw tooMany(kind, max);
    const fileId = await savePhoto(image.bytes, {
      shopId: String(current.shopId),
      uploadedBy: uploader.id,
      kind,
      contentType: image.contentType,
    });
    // The guard keeps the cap on MongoDB, where the lock is a pass-through and uploads may interleave.
    const updated = await ProductModel.findOneAndUpdate(
      { _id: productId, [`${field}.${max - 1}`]: { $exists: false } },
      { $push: { [field]: fileId } },
      { new: true },
    );
    if (!updated) {
      await deletePhoto(fileId);
      throw tooMany(kind, max);
    }
    return updated;
  });
}
