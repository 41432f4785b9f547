import type { MembershipUpdate } from '@tular/shared';
import type { EventBus } from '../../events/bus';
import { withWriteLock } from '../../db/writeLock';
import { NotFoundError } from '../../lib/errors';
import { MembershipModel, type MembershipDoc } from '../../models/Membership';

/** The owner approves or blocks a reseller; the redirect cache hears it and blocked links stop earning. */
export async function decideMembership(membership: MembershipDoc, input: MembershipUpdate, bus: EventBus): Promise<MembershipDoc> {
  if (membership.status === input.status) return membership;
  const id = String(membership._id);
  const updated = await withWriteLock(`membership:${id}`, () =>
    MembershipModel.findByIdAndUpdate(id, { $set: { status: input.status, decidedAt: new Date() } }, { new: true }),
  );
  if (!updated) throw new NotFoundError('Membership', 'MEMBERSHIP_NOT_FOUND');
  bus.emit('membership', { membershipId: id, shopId: String(updated.shopId), resellerId: String(updated.resellerId), status: updated.status });
  return updated;
}
