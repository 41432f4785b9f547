import type { Claim } from '@tular/shared';
import type { ClaimDoc } from '../models/Claim';

export function presentClaim(c: ClaimDoc): Claim {
  return {
    id: String(c._id),
    shopId: String(c.shopId),
    productId: String(c.productId),
    resellerId: String(c.resellerId),
    quantity: c.quantity,
    buyer: { name: c.buyer?.name ?? '', phone: c.buyer?.phone ?? '', address: c.buyer?.address ?? '' },
    note: c.note ?? null,
    receiptFileId: c.receiptFileId ? String(c.receiptFileId) : null,
    status: c.status,
    reason: c.reason ?? null,
    orderId: c.orderId ? String(c.orderId) : null,
    createdAt: (c.createdAt ?? new Date(0)).toISOString(),
  };
}
