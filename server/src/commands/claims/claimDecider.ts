import crypto from 'node:crypto';
import mongoose from 'mongoose';
import type { ClaimCreateInput, ClaimDecisionInput } from '@tular/shared';
import { ClaimModel, type ClaimDoc, type ClaimFields } from '../../models/Claim';
import { MembershipModel } from '../../models/Membership';
import { ProductModel } from '../../models/Product';
import { OrderModel } from '../../models/Order';
import { withWriteLock } from '../../db/writeLock';
import { lockedFilter } from '../../db/guardedUpdate';
import { AppError, AuthorizationError, ConflictError, NotFoundError } from '../../lib/errors';
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
 * Records the receipt photo on a still-pending claim, under the same lock as the owner's decision:
 * on FerretDB an update rewrites the whole document, so an unlocked one could put a decided claim
 * back to pending.
 */
export async function attachReceipt(claimId: string, fileId: mongoose.Types.ObjectId): Promise<ClaimDoc> {
  const updated = await withWriteLock(`claim:${claimId}`, () =>
    ClaimModel.findOneAndUpdate({ _id: claimId, status: 'pending' }, { $set: { receiptFileId: fileId } }, { new: true }),
  );
  if (!updated) throw new ConflictError('CLAIM_DECIDED', 'The owner already decided this claim');
  return updated;
}

/** A confirmer that has not attached the order in this long is presumed dead; a retry takes over. */
const TAKEOVER_AFTER_MS = 15_000;
const WAIT_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Step = { kind: 'done'; claim: ClaimDoc } | { kind: 'mine'; claim: ClaimDoc } | { kind: 'busy' };

/**
 * The owner confirms (the claim becomes an attributed order, exactly once) or rejects.
 *
 * The decision is taken first, by one guarded update pending → confirmed|rejected, so exactly one
 * decision wins even where no lock serialises requests (MongoDB): a reject can never land after the
 * order was made. The confirmer holds a token while it makes the order (keyed `claim:<id>`, so it
 * exists once); a copy arriving meanwhile waits for it, and a retry after a crash takes the token
 * over and finishes the job (the order is made or found, its commission booked).
 * Asking again for the decision already taken returns the claim as is.
 */
export async function decideClaim(deps: SalesDeps, claimId: string, input: ClaimDecisionInput, actorId: string): Promise<ClaimDoc> {
  const token = crypto.randomBytes(9).toString('base64url');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const step = await withWriteLock(`claim:${claimId}`, () => takeDecision(claimId, input, token));
    if (step.kind === 'done') return step.claim;
    if (step.kind === 'mine') return attachOrder(deps, step.claim, token, actorId);
    if (Date.now() > deadline) throw new ConflictError('CLAIM_CONFIRMING', 'This claim is being confirmed right now; retry shortly');
    await sleep(20 + Math.random() * 20);
  }
}

async function takeDecision(claimId: string, input: ClaimDecisionInput, token: string): Promise<Step> {
  const current = await ClaimModel.findById(claimId);
  if (!current) throw new NotFoundError('Claim', 'CLAIM_NOT_FOUND');
  if (current.status === 'pending') {
    const confirming = input.status === 'confirmed';
    const updated = await ClaimModel.findOneAndUpdate(
      lockedFilter<ClaimFields>(current._id, { status: 'pending' }),
      { $set: { status: input.status, reason: input.reason ?? null, decidedAt: new Date(), confirmToken: confirming ? token : null, confirmAt: confirming ? new Date() : null } },
      { new: true },
    );
    // Lost to a decision taken at the same moment (MongoDB runs without the in-process lock): look again.
    if (!updated) return { kind: 'busy' };
    return confirming ? { kind: 'mine', claim: updated } : { kind: 'done', claim: updated };
  }
  if (current.status !== input.status) {
    throw new ConflictError('INVALID_TRANSITION', `A claim that is ${current.status} cannot become ${input.status}`, { from: current.status, to: input.status });
  }
  if (current.status === 'rejected' || current.orderId) return { kind: 'done', claim: current };
  // Confirmed, order not attached yet: someone is making it, or its maker died.
  const heldSince = current.confirmToken ? (current.confirmAt?.getTime() ?? 0) : 0;
  if (Date.now() - heldSince <= TAKEOVER_AFTER_MS) return { kind: 'busy' };
  const taken = await ClaimModel.findOneAndUpdate(
    { _id: current._id, status: 'confirmed', orderId: null, confirmToken: current.confirmToken ?? null },
    { $set: { confirmToken: token, confirmAt: new Date() } },
    { new: true },
  );
  return taken ? { kind: 'mine', claim: taken } : { kind: 'busy' };
}

/** The token holder makes the confirmed claim's order (or finds it, on a retry) and records it on the claim. */
async function attachOrder(deps: SalesDeps, claim: ClaimDoc, token: string, actorId: string): Promise<ClaimDoc> {
  const dedupeKey = `claim:${String(claim._id)}`;
  const lockKey = `claim:${String(claim._id)}`;
  let orderId: mongoose.Types.ObjectId;
  try {
    const { order } = await createOrder(deps, {
      source: 'claim',
      shopId: String(claim.shopId),
      productId: String(claim.productId),
      quantity: claim.quantity,
      buyer: { name: claim.buyer?.name ?? 'Pembeli', phone: claim.buyer?.phone ?? '', address: claim.buyer?.address ?? '' },
      claimResellerId: String(claim.resellerId),
      dedupeKey,
      actorId,
    });
    orderId = order._id;
  } catch (err) {
    if (err instanceof AppError && err.status < 500 && !(await OrderModel.exists({ dedupeKey }))) {
      // Refused before any order existed (sold out, product withdrawn): the confirmation did not
      // happen, so the claim goes back to pending — the owner may restock and confirm, or reject.
      await withWriteLock(lockKey, () =>
        ClaimModel.updateOne(
          { _id: claim._id, status: 'confirmed', orderId: null, confirmToken: token },
          { $set: { status: 'pending', reason: null, decidedAt: null, confirmToken: null, confirmAt: null } },
        ),
      );
    } else {
      // A crash: the claim stays confirmed; giving the token back lets the owner's retry finish at once.
      await withWriteLock(lockKey, () => ClaimModel.updateOne({ _id: claim._id, confirmToken: token }, { $set: { confirmToken: null, confirmAt: null } })).catch(() => undefined);
    }
    throw err;
  }
  const updated = await withWriteLock(lockKey, () =>
    ClaimModel.findOneAndUpdate({ _id: claim._id, status: 'confirmed' }, { $set: { orderId, confirmToken: null, confirmAt: null } }, { new: true }),
  );
  return updated ?? claim;
}
