import type { ShopCreate } from '@tular/shared';
import type { AuthUser } from '../../lib/authUser';
import type { EventBus } from '../../events/bus';
import { withWriteLock } from '../../db/writeLock';
import { ConflictError, isDuplicateKeyError } from '../../lib/errors';
import { ShopModel, type ShopDoc } from '../../models/Shop';

export function slugTaken(slug: string): ConflictError {
  return new ConflictError('SLUG_TAKEN', `The address "${slug}" is already used by another shop; choose another (alamat toko sudah dipakai)`, [
    { path: 'body.slug', message: 'is already taken' },
  ]);
}

/**
 * Runs a write that claims `slug` for `shopId` (or a new shop). The unique index is the real guard,
 * but FerretDB v1 reports a unique violation on an *update* as a generic error rather than 11000, so
 * claims of one slug are serialized and checked first; on MongoDB the index alone answers.
 */
export async function claimSlug<T>(slug: string, shopId: string | null, write: () => Promise<T>): Promise<T> {
  return withWriteLock(`shop-slug:${slug}`, async () => {
    const holder = await ShopModel.exists({ slug });
    if (holder && String(holder._id) !== shopId) throw slugTaken(slug);
    try {
      return await write();
    } catch (err) {
      if (isDuplicateKeyError(err, 'slug')) throw slugTaken(slug);
      throw err;
    }
  });
}

/** Creates an owner's shop under a slug no other shop holds. */
export async function createShop(owner: AuthUser, input: ShopCreate, bus: EventBus): Promise<ShopDoc> {
  const shop = await claimSlug(input.slug, null, () => ShopModel.create({ ...input, ownerId: owner.id }));
  bus.emit('shop', { shopId: String(shop._id) });
  return shop;
}
