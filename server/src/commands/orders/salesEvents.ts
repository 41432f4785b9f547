import type { Channel, Segment } from '@tular/shared';
import type { AppDeps } from '../../appDeps';
import type { OrderDoc } from '../../models/Order';
import type { LedgerEntryDoc } from '../../models/LedgerEntry';
import type { OrderChanged } from '../../events/bus';
import { orderFact, type OrderFactInput } from '../../rollups/rollupFacts';

export type SalesDeps = Pick<AppDeps, 'bus' | 'rollups'>;

/**
 * Tells live stats and rollups about a durable order change. `sign` is +1 when the sale counts
 * (created) and -1 when it stops counting (cancelled, refunded), so dashboards net it out.
 */
export function announceOrder(deps: SalesDeps, order: OrderDoc, timezone: string, previousStatus?: OrderChanged['status'], sign: 1 | -1 | 0 = 0): void {
  const at = new Date();
  const a = order.attribution;
  deps.bus.emit('order', {
    orderId: String(order._id),
    shopId: String(order.shopId),
    productId: String(order.productId),
    ...(a ? { resellerId: String(a.resellerId), linkId: a.linkId ? String(a.linkId) : undefined } : {}),
    ...(a?.segment ? { segment: a.segment as Segment } : {}),
    ...(a?.channel ? { channel: a.channel as Channel } : {}),
    status: order.status,
    ...(previousStatus ? { previousStatus } : {}),
    quantity: order.quantity,
    total: order.total,
    at,
  });
  if (sign === 0) return;
  deps.rollups.add(orderFact(toFactInput(order), timezone, sign));
}

/** The order as the shared rollup counting rules (rollupFacts) read it. */
export function toFactInput(order: OrderDoc): OrderFactInput {
  const a = order.attribution;
  return {
    shopId: String(order.shopId),
    productId: String(order.productId),
    quantity: order.quantity,
    total: order.total,
    commission: order.commission ?? 0,
    createdAt: order.createdAt ?? new Date(),
    attribution: a
      ? { resellerId: String(a.resellerId), linkId: a.linkId ? String(a.linkId) : null, segment: (a.segment as Segment | undefined) ?? null, channel: (a.channel as Channel | undefined) ?? null }
      : null,
  };
}

export function announceEntries(deps: Pick<AppDeps, 'bus'>, entries: LedgerEntryDoc[]): void {
  for (const e of entries) {
    const state = (['pending', 'approved', 'available', 'reserved', 'paid'] as const).find((b) => (e.deltas?.[b] ?? 0) > 0) ?? 'void';
    deps.bus.emit('commission', {
      shopId: String(e.shopId),
      resellerId: String(e.resellerId),
      ...(e.orderId ? { orderId: String(e.orderId) } : {}),
      kind: e.kind,
      amount: e.kind === 'accrue' || e.kind === 'void' || e.kind === 'reversal' ? e.amount : Math.max(...Object.values(e.deltas ?? {}).map((v) => Number(v) || 0)),
      state,
      at: e.createdAt ?? new Date(),
    });
  }
}
