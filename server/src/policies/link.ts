import type { AuthUser } from '../lib/authUser';
import { AuthorizationError } from '../lib/errors';
import type { MembershipFields } from '../models/Membership';
import type { LinkFields } from '../models/Link';
import type { ShopFields } from '../models/Shop';
import { canManageShop } from './shop';

/** Only an approved member makes links (a pending or blocked reseller's clicks would earn nothing). */
export function assertApprovedMember(membership: Pick<MembershipFields, 'status'> | null): void {
  if (!membership) throw new AuthorizationError('Join this shop first (gabung dulu ke toko ini)', 'NOT_A_MEMBER');
  if (membership.status === 'pending') {
    throw new AuthorizationError('Your membership is waiting for the owner’s approval (menunggu persetujuan pemilik toko)', 'MEMBERSHIP_PENDING');
  }
  if (membership.status !== 'approved') throw new AuthorizationError('The owner has blocked you in this shop (diblokir oleh pemilik toko)', 'MEMBERSHIP_BLOCKED');
}

/** The link's reseller, the shop's owner or an admin may switch a link on or off. */
export function assertCanManageLink(user: AuthUser, link: Pick<LinkFields, 'resellerId'>, shop: Pick<ShopFields, 'ownerId'> | null): void {
  if (user.role === 'reseller' && String(link.resellerId) === user.id) return;
  if (shop && canManageShop(user, shop)) return;
  throw new AuthorizationError('Only the reseller who made this link or the shop’s owner can change it');
}
