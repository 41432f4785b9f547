import type { Membership, MyMembership, ShopReseller } from '@tular/shared';
import type { MembershipDoc } from '../models/Membership';
import type { ShopDoc } from '../models/Shop';
import { presentShopSummary } from './shop';

export function presentMembership(m: MembershipDoc): Membership {
  return {
    id: String(m._id),
    shopId: String(m.shopId),
    resellerId: String(m.resellerId),
    status: m.status,
    segment: m.segment,
    joinedAt: m.joinedAt.toISOString(),
    decidedAt: m.decidedAt ? m.decidedAt.toISOString() : null,
  };
}

export function presentShopReseller(m: MembershipDoc, reseller: { name: string } | undefined): ShopReseller {
  // A deleted account still shows as a row so the owner's history stays complete.
  return { ...presentMembership(m), reseller: { id: String(m.resellerId), name: reseller?.name ?? '(akun dihapus / deleted account)' } };
}

export function presentMyMembership(m: MembershipDoc, shop: ShopDoc): MyMembership {
  return { ...presentMembership(m), shop: presentShopSummary(shop) };
}
