import type { EventBus } from '../../events/bus';
import type { AuthUser } from '../../lib/authUser';
import { AuthorizationError, isDuplicateKeyError, NotFoundError } from '../../lib/errors';
import { MembershipModel, type MembershipDoc } from '../../models/Membership';
import type { ShopDoc } from '../../models/Shop';
import { UserModel } from '../../models/User';
import { findMembership, pointMembership } from './membershipOf';

/**
 * A reseller joins a shop: approved at once under `open`, pending under `approval`. Joining again
 * (or concurrently) returns the one existing membership — the unique (shopId, resellerId) index
 * lets exactly one insert win on every engine, whatever its status (a blocked reseller stays blocked).
 */
export async function joinShop(reseller: AuthUser, shop: ShopDoc, bus: EventBus): Promise<{ membership: MembershipDoc; created: boolean }> {
  const existing = await findMembership(shop._id, reseller.id);
  if (existing) return { membership: MembershipModel.hydrate(existing), created: false };
  const user = await UserModel.findById(reseller.id, { segment: 1 });
  if (!user) throw new NotFoundError('User');
  if (!user.segment) throw new AuthorizationError('Only resellers with a segment can join a shop');
  const now = new Date();
  const approved = shop.joinPolicy === 'open';
  try {
    const membership = await MembershipModel.create({
      shopId: shop._id,
      resellerId: reseller.id,
      status: approved ? 'approved' : 'pending',
      segment: user.segment,
      joinedAt: now,
      ...(approved ? { decidedAt: now } : {}),
    });
    await pointMembership(membership);
    bus.emit('membership', { membershipId: String(membership._id), shopId: String(shop._id), resellerId: reseller.id, status: membership.status });
    return { membership, created: true };
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const winner = await MembershipModel.findOne({ shopId: shop._id, resellerId: reseller.id });
    if (!winner) throw err;
    return { membership: winner, created: false };
  }
}
