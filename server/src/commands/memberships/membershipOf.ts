import mongoose from 'mongoose';
import { KeyPointer } from '../../db/keyPointer';
import { MembershipModel, type MembershipFields } from '../../models/Membership';

export type MembershipRow = MembershipFields & { _id: mongoose.Types.ObjectId };
type IdLike = mongoose.Types.ObjectId | string;

const pairKey = (shopId: IdLike, resellerId: IdLike): string => `${String(shopId)}:${String(resellerId)}`;

/**
 * A reseller's membership of a shop by `_id` reads: (shop, reseller) → membership id never changes
 * (one membership per pair, unique index), so it is memoized and pointed at; status and segment
 * come from the membership read by `_id` each time, so an approval or a block counts at once.
 */
const membershipsByPair = new KeyPointer<MembershipRow>({
  kind: 'membership',
  byId: (id) => MembershipModel.findById(id).lean<MembershipRow>(),
  carries: (m, key) => pairKey(m.shopId, m.resellerId) === key,
  scan: (key) => {
    const [shopId, resellerId] = key.split(':');
    return MembershipModel.findOne({ shopId, resellerId }).lean<MembershipRow>();
  },
});

export function findMembership(shopId: IdLike, resellerId: IdLike): Promise<MembershipRow | null> {
  if (!mongoose.isValidObjectId(shopId) || !mongoose.isValidObjectId(resellerId)) return Promise.resolve(null);
  return membershipsByPair.find(pairKey(shopId, resellerId));
}

/** Called by the joiner once the membership is stored. */
export function pointMembership(m: { _id: mongoose.Types.ObjectId; shopId: IdLike; resellerId: IdLike }): Promise<void> {
  return membershipsByPair.point(pairKey(m.shopId, m.resellerId), m._id);
}

export function forgetMembershipMemo(): void {
  membershipsByPair.clearMemo();
}

/** Points every stored membership's pair (memberships made before pointers existed, or bulk-imported). */
export function backfillMemberships(): Promise<number> {
  return membershipsByPair.backfill(
    (async function* () {
      for await (const m of MembershipModel.find({}, { shopId: 1, resellerId: 1 }).lean().cursor()) yield { key: pairKey(m.shopId, m.resellerId), id: m._id };
    })(),
  );
}
