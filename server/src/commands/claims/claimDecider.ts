import mongoose from 'mongoose';
import type { ClaimCreateInput, ClaimDecisionInput } from '@tular/shared';
import { ClaimModel, type ClaimDoc } from '../../models/Claim';
import { MembershipModel } from '../../models/Membership';
import { ProductModel } from '../../models/Product';
import { withWriteLock } from '../../db/writeLock';
import { AuthorizationError, ConflictError, NotFoundError } from '../../lib/errors';
import { createOrder } from '../orders/orderCreator';
import type { SalesDeps } from '../orders/salesEvents';

/** A reseller records a sale closed in a chat; it earns nothing until the owner confirms it. */
export async function createClaim(resellerId: string, input: ClaimCreateInput): Promise<ClaimDoc> {
  const product = await ProductModel.findById(input.productId, { shopId: 1, active: 1 });
  if (!product || !product.active) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  const member = await MembershipModel.exists({ shopId: product.shopId, resellerId, status: 'approved' });
  if (!member) throw new AuthorizationError('Only approved resellers of this shop can claim a sale (hanya reseller yang disetujui)', 'NOT_A_MEMBER');
  return ClaimModel.create({
    shopId: product.shopId,
    productId: product._id,
    resellerId: new mongoose.Types.ObjectId(resellerId),
    quantity: input.quantity,
    buyer: input.buyer,
    note: input.note ?? null,
    receiptFileId: input.receiptFileId ?? null,
    status: 'pending',
  });
}

/**
 * The owner confirms (the claim becomes an attributed order, exactly once: the order's dedupe key
 * is the claim) or rejects. Asking again for the decision already taken returns the claim as is.
 */
export async function decideClaim(deps: SalesDeps, claimId: string, input: ClaimDecisionInput, actorId: string): Promise<ClaimDoc> {
  return withWriteLock(`claim:${claimId}`, async () => {
    const claim = await ClaimModel.findById(claimId);
    if (!claim) throw new NotFoundError('Claim', 'CLAIM_NOT_FOUND');
    if (claim.status === input.status) return claim;
    if (claim.status !== 'pending') {
      throw new ConflictError('INVALID_TRANSITION', `A claim that is ${claim.status} cannot become ${input.status}`, { from: claim.status, to: input.status });
    }
    let orderId: mongoose.Types.ObjectId | null = null;
    if (input.status === 'confirmed') {
      const { order } = await createOrder(deps, {
        source: 'claim',
        shopId: String(claim.shopId),
        productId: String(claim.productId),
        quantity: claim.quantity,
        buyer: { name: claim.buyer?.name ?? 'Pembeli', phone: claim.buyer?.phone ?? '', address: claim.buyer?.address ?? '' },
        claimResellerId: String(claim.resellerId),
        dedupeKey: `claim:${String(claim._id)}`,
        actorId,
      });
      orderId = order._id;
    }
    const updated = await ClaimModel.findOneAndUpdate(
      { _id: claim._id, status: 'pending' },
      { $set: { status: input.status, reason: input.reason ?? null, orderId, decidedAt: new Date() } },
      { new: true },
    );
    if (updated) return updated;
    // Another instance decided at the same moment (MongoDB runs without the in-process lock).
    const now = await ClaimModel.findById(claim._id);
    if (now?.status === input.status) return now;
    throw new ConflictError('INVALID_TRANSITION', 'The claim changed at the same time; reload and try again');
  });
}
