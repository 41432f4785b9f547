import type mongoose from 'mongoose';
import { FulfilledSalesModel, type FulfilledSalesFields } from '../../models/FulfilledSales';
import { OrderModel } from '../../models/Order';
import { withWriteLock } from '../../db/writeLock';
import { updateByIdIf, type Guard } from '../../db/guardedUpdate';
import { isDuplicateKeyError } from '../../lib/errors';

type IdLike = mongoose.Types.ObjectId | string;

/** What the counting needs of an order (an OrderDoc, or a lean order row in the backfill). */
export interface CountedOrder {
  _id: mongoose.Types.ObjectId;
  shopId: mongoose.Types.ObjectId;
  total: number;
  fulfilledAt?: Date | null;
  attribution?: { resellerId: mongoose.Types.ObjectId } | null;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const utcMonth = (at: Date): string => `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;
const docId = (shopId: IdLike, resellerId: IdLike, month: string): string => `${String(shopId)}:${String(resellerId)}:${month}`;

/**
 * Writes the order's entry into the month document of its fulfilment. `onlyIfAbsent` (fulfilment)
 * never overwrites an entry, so a fulfilment re-applied after the refund cannot count the order
 * again; the refund's mark always lands. Under the document's write lock: FerretDB rewrites the
 * whole document on update, so two fulfilments in one month would otherwise lose one entry.
 */
async function writeEntry(order: CountedOrder, onlyIfAbsent: boolean): Promise<void> {
  const resellerId = order.attribution?.resellerId;
  const at = order.fulfilledAt;
  if (!resellerId || !at) return;
  const month = utcMonth(at);
  const id = docId(order.shopId, resellerId, month);
  const path = `orders.${String(order._id)}`;
  const entry = onlyIfAbsent ? { at, total: order.total } : { at, total: order.total, refunded: true };
  const key = String(order._id);
  const guard: Guard<FulfilledSalesFields> = onlyIfAbsent
    ? { filter: { [path]: { $exists: false } }, holds: (doc) => !doc.orders || !(key in doc.orders), fields: { [path]: 1 } }
    : { filter: {}, holds: () => true, fields: { _id: 1 } };
  const update = { $set: { [path]: entry } };
  await withWriteLock(`fulfilled-sales:${id}`, async () => {
    try {
      await updateByIdIf<FulfilledSalesFields>(FulfilledSalesModel, id, guard, { ...update, $setOnInsert: { shopId: order.shopId, resellerId, month } }, { upsert: true });
    } catch (err) {
      // The document exists (made by a concurrent writer, or it already holds this order's entry
      // and the guard refused the upsert's match): the plain update settles either case.
      if (!isDuplicateKeyError(err)) throw err;
      await updateByIdIf<FulfilledSalesFields>(FulfilledSalesModel, id, guard, update);
    }
  });
}

/** A fulfilled attributed order now counts toward its reseller's month (idempotent). */
export function countFulfilledSale(order: CountedOrder): Promise<void> {
  return writeEntry(order, true);
}

/** A fulfilled order was refunded: it stops counting, for good (idempotent). */
export function uncountFulfilledSale(order: CountedOrder): Promise<void> {
  return writeEntry(order, false);
}

/**
 * Fulfilled attributed sales of a reseller in a shop within [from, to) — rupiah and orders; picks
 * the volume tier. A local month spans at most two UTC months, read by `_id`.
 */
export async function fulfilledSalesIn(shopId: IdLike, resellerId: IdLike, range: { from: Date; to: Date }): Promise<{ total: number; count: number }> {
  const months = [...new Set([utcMonth(range.from), utcMonth(new Date(range.to.getTime() - 1))])];
  const docs = await Promise.all(months.map((m) => FulfilledSalesModel.findById(docId(shopId, resellerId, m), { orders: 1 }).lean()));
  let total = 0;
  let count = 0;
  const from = range.from.getTime();
  const to = range.to.getTime();
  for (const doc of docs) {
    for (const sale of Object.values(doc?.orders ?? {})) {
      const t = new Date(sale.at).getTime();
      if (sale.refunded || t < from || t >= to) continue;
      total += sale.total;
      count += 1;
    }
  }
  return { total, count };
}

/**
 * Counts the fulfilled orders of the last `months` UTC months (default: this and the previous one,
 * all a shop's local month can reach) for a deployment that had orders before these documents
 * existed. Safe to run while the service runs and to run again.
 */
export async function backfillFulfilledSales(opts: { now?: Date; months?: number } = {}): Promise<number> {
  const now = opts.now ?? new Date();
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - ((opts.months ?? 2) - 1), 1));
  const cursor = OrderModel.find(
    { status: 'fulfilled', fulfilledAt: { $gte: since }, attribution: { $ne: null } },
    { shopId: 1, total: 1, fulfilledAt: 1, 'attribution.resellerId': 1 },
  )
    .lean<CountedOrder[]>()
    .cursor();
  let counted = 0;
  for await (const order of cursor) {
    await countFulfilledSale(order);
    counted += 1;
  }
  return counted;
}
