import type { CheckoutResult, Order } from '@tular/shared';
import type { OrderDoc } from '../models/Order';

const iso = (d: Date | null | undefined): string => (d ?? new Date(0)).toISOString();

export function presentAttribution(order: OrderDoc): Order['attribution'] {
  const a = order.attribution;
  if (!a) return null;
  return { resellerId: String(a.resellerId), linkId: a.linkId ? String(a.linkId) : null, code: a.code ?? null, via: a.via };
}

/** The owner's view of an order (buyer contact included: they ship it). */
export function presentOrder(order: OrderDoc): Order {
  return {
    id: String(order._id),
    shopId: String(order.shopId),
    productId: String(order.productId),
    productName: order.productName,
    quantity: order.quantity,
    unitPrice: order.unitPrice,
    total: order.total,
    status: order.status,
    source: order.source,
    buyer: { name: order.buyer?.name ?? '', phone: order.buyer?.phone ?? '', address: order.buyer?.address ?? '' },
    attribution: presentAttribution(order),
    flags: { selfReferral: !!order.flags?.selfReferral },
    commission: order.commission ?? 0,
    paymentReference: order.paymentReference ?? null,
    createdAt: iso(order.createdAt),
    statusHistory: (order.statusHistory ?? []).map((h) => ({ status: h.status as Order['status'], at: iso(h.at) })),
  };
}

/** The buyer's confirmation: how to pay, and the private link to review the product later. */
export function presentCheckout(order: OrderDoc, payment: unknown, publicUrl: string): CheckoutResult {
  const a = presentAttribution(order);
  return {
    id: String(order._id),
    status: order.status,
    total: order.total,
    attribution: a ? { resellerId: a.resellerId, linkId: a.linkId, via: a.via } : null,
    payment,
    reviewUrl: `${publicUrl}/p/${String(order.productId)}/review?token=${encodeURIComponent(order.reviewToken)}`,
  };
}
