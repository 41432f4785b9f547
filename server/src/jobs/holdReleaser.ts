import type { AppDeps } from '../appDeps';
import { OrderModel, type OrderFields } from '../models/Order';
import { withWriteLock } from '../db/writeLock';
import { updateByIdIf } from '../db/guardedUpdate';
import { releaseCommission } from '../commands/ledger/commissionLedger';
import { bookStrandedOrders } from '../commands/orders/orderCreator';
import { announceEntries, type SalesDeps } from '../commands/orders/salesEvents';

/** An order still unbooked this long after its insert has lost its creator (requests finish in seconds). */
const STRANDED_AFTER_MS = 60_000;

/**
 * Turns approved commission into available once the shop's hold is over. Safe on several
 * instances at once: the release entry's key (`c:<order>:<role>:from-approved`) lets only one
 * writer move each commission, the others' inserts collide and do nothing.
 */
export async function runOnce(deps: Pick<AppDeps, 'bus'>, now: Date = new Date(), batch = 200): Promise<number> {
  let released = 0;
  const due = await OrderModel.find({ commissionDueAt: { $ne: null, $lte: now } }, { shopId: 1, commissionDueAt: 1 })
    .sort({ commissionDueAt: 1 })
    .limit(batch);
  for (const order of due) {
    const entries = await releaseCommission(order);
    released += entries.length;
    announceEntries(deps, entries);
    // Only clears the mark it read: a fresh one (a re-fulfilment replay) stays for the next run.
    // Under the order's lock: on FerretDB an unlocked update rewrites the whole document and could
    // undo a refund (status, stockRestored) written in between. By `_id` (updateByIdIf): there a
    // filter on `commissionDueAt` too decoded every order, once per released order.
    const read = order.commissionDueAt?.getTime();
    await withWriteLock(`order:${String(order._id)}`, () =>
      updateByIdIf<OrderFields>(
        OrderModel,
        order._id,
        { filter: { commissionDueAt: order.commissionDueAt }, holds: (o) => o.commissionDueAt?.getTime() === read, fields: { commissionDueAt: 1 } },
        { $set: { commissionDueAt: null } },
      ),
    );
  }
  return released;
}

/** Starts the periodic release (and the sweep for orders whose commission was never booked); stops with the lifecycle. */
export function startHoldReleaser(deps: SalesDeps & Pick<AppDeps, 'logger' | 'lifecycle'>, intervalMs = 60_000): void {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = bookStrandedOrders(deps, new Date(Date.now() - STRANDED_AFTER_MS))
      .then(() => runOnce(deps))
      .catch((err: unknown) => deps.logger.warn({ err }, 'hold releaser run failed'))
      .finally(() => (running = null));
  }, intervalMs);
  timer.unref();
  deps.lifecycle.onShutdown('hold releaser', async () => {
    clearInterval(timer);
    await running;
  });
}
