import type mongoose from 'mongoose';
import type { OrderStatus } from '@tular/shared';
import { OrderModel, type OrderDoc, type OrderFields } from '../../models/Order';
import { ShopModel } from '../../models/Shop';
import { withWriteLock } from '../../db/writeLock';
import { lockedFilter, updateByIdIf } from '../../db/guardedUpdate';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { approveCommission, releaseCommission, voidCommission } from '../ledger/commissionLedger';
import type { LedgerEntryDoc } from '../../models/LedgerEntry';
import { bookCommission, restoreStock } from './orderCreator';
import { announceEntries, announceOrder, type SalesDeps } from './salesEvents';
import { countFulfilledSale, uncountFulfilledSale } from './fulfilledSales';

const DAY_MS = 86_400_000;

/** Where an order may go from each status. */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['fulfilled', 'cancelled', 'refunded'],
  fulfilled: ['refunded'],
  cancelled: [],
  refunded: [],
};

export interface TransitionRequest {
  orderId: mongoose.Types.ObjectId | string;
  to: Exclude<OrderStatus, 'pending'>;
  paymentReference?: string;
  actorId?: string | null;
  now?: Date;
}

/**
 * Moves an order one step and applies what that step means for stock and commission.
 * The status flips first with a guarded update (under the order's write lock for FerretDB), then
 * the effects run; every effect is exactly-once (ledger keys, the stockRestored flag), so asking for
 * the status an order already has re-applies the effects harmlessly — a retry after a crash finishes
 * the job instead of double-counting.
 */
export async function transitionOrder(deps: SalesDeps, req: TransitionRequest): Promise<OrderDoc> {
  const now = req.now ?? new Date();
  const { order, previous } = await withWriteLock(`order:${String(req.orderId)}`, async () => {
    const current = await OrderModel.findById(req.orderId);
    if (!current) throw new NotFoundError('Order', 'ORDER_NOT_FOUND');
    if (current.status === req.to) return { order: current, previous: null };
    if (!ORDER_TRANSITIONS[current.status].includes(req.to)) {
      throw new ConflictError('INVALID_TRANSITION', `An order that is ${current.status} cannot become ${req.to}`, {
        from: current.status,
        to: req.to,
        allowed: ORDER_TRANSITIONS[current.status],
      });
    }
    const set: Record<string, unknown> = { status: req.to };
    if (req.to === 'fulfilled') set.fulfilledAt = now;
    if (req.paymentReference) set.paymentReference = req.paymentReference;
    // The status guard keeps MongoDB writers without a lock apart; `current` was read under this lock.
    const updated = await OrderModel.findOneAndUpdate(
      lockedFilter<OrderFields>(current._id, { status: current.status }),
      { $set: set, $push: { statusHistory: { status: req.to, at: now, by: req.actorId ?? null } } },
      { new: true },
    );
    if (!updated) throw new ConflictError('INVALID_TRANSITION', 'The order changed at the same time; reload and try again', { from: current.status, to: req.to });
    return { order: updated, previous: current.status };
  });

  const shop = await ShopModel.findById(order.shopId, { holdDays: 1, timezone: 1 }).lean();
  const timezone = shop?.timezone ?? 'Asia/Jakarta';
  // An order whose creator crashed before booking its commission gets it now, before the step
  // moves (or voids) it — otherwise a late booking would leave it pending on a settled order.
  await bookCommission(deps, order, timezone);
  let entries: LedgerEntryDoc[] = [];
  if (req.to === 'fulfilled') {
    // Toward the reseller's volume tier (and the upline's "sold this month") from now on.
    await countFulfilledSale(order);
    const availableAt = new Date((order.fulfilledAt ?? now).getTime() + (shop?.holdDays ?? 7) * DAY_MS);
    entries = await approveCommission(order, availableAt);
    if (order.commission > 0) {
      if (availableAt.getTime() <= now.getTime()) entries.push(...(await releaseCommission(order)));
      else {
        // Under the order's lock: on FerretDB an unlocked update rewrites the whole document and
        // could undo a refund that landed meanwhile; and a refunded order owes no release.
        await withWriteLock(`order:${String(order._id)}`, () =>
          updateByIdIf<OrderFields>(OrderModel, order._id, { filter: { status: 'fulfilled' }, holds: (o) => o.status === 'fulfilled', fields: { status: 1 } }, { $set: { commissionDueAt: availableAt } }),
        );
      }
    }
  } else if (req.to === 'cancelled' || req.to === 'refunded') {
    entries = await voidCommission(order);
    // A refund after fulfilment takes the sale out of the month it counted in (cancel never had it in).
    await uncountFulfilledSale(order);
    // Exactly once: only the call that flips stockRestored puts the units back.
    const claimed = await withWriteLock(`order:${String(order._id)}`, () =>
      updateByIdIf<OrderFields>(
        OrderModel,
        order._id,
        { filter: { stockRestored: { $ne: true } }, holds: (o) => o.stockRestored !== true, fields: { stockRestored: 1 } },
        { $set: { stockRestored: true, commissionDueAt: null } },
      ),
    );
    if (claimed.updated) await restoreStock(order.productId, order.quantity);
  }
  if (previous) announceOrder(deps, order, timezone, previous, req.to === 'cancelled' || req.to === 'refunded' ? -1 : 0);
  announceEntries(deps, entries);
  return order;
}
