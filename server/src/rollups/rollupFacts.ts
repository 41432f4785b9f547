import type { Channel, Segment } from '@tular/shared';
import type { RollupFact } from './rollupWriter';

/**
 * THE counting rules, shared by the live paths and the rebuild command so that incremental
 * counters always equal a full recompute. Producers call `deps.rollups.add(clickFact(...))` /
 * `deps.rollups.add(orderFact(...))` instead of building counts by hand.
 *
 * Clicks: `click` → clicks (+ uniqueClicks when unique), `bot` → botClicks, `preview` → previews,
 * bucketed at the click's time. A link's buckets count only what its reseller was credited with
 * (an uncredited click — pending or blocked membership — counts for the shop and product, not the
 * link), exactly like orders, which name a link only when attributed: so a reseller's per-link and
 * per-product breakdown always adds up to their credited totals, and an owner's `by=link` to `by=reseller`.
 * Orders: counted once when created (orders +1, units, revenue = total, commission = the order's
 * booked commission), bucketed at the ORDER'S CREATION time; when an order is cancelled or refunded
 * the same fact is added with sign -1 (still at the creation time), so a period's numbers are
 * "orders placed in the period that still stand" — and a recompute needs only the current status.
 */
export interface ClickFactInput {
  shopId: string;
  productId?: string | null;
  resellerId?: string | null;
  linkId: string;
  segment?: Segment | null;
  channel: Channel;
  kind: 'click' | 'preview' | 'bot';
  unique: boolean;
  at: Date;
}

export function clickFact(click: ClickFactInput, timezone: string): RollupFact {
  const counts: RollupFact['counts'] =
    click.kind === 'click' ? { clicks: 1, uniqueClicks: click.unique ? 1 : 0 } : click.kind === 'bot' ? { botClicks: 1 } : { previews: 1 };
  return {
    shopId: click.shopId,
    timezone,
    at: click.at,
    productId: click.productId ?? undefined,
    resellerId: click.resellerId ?? undefined,
    linkId: click.resellerId ? click.linkId : undefined,
    segment: click.segment ?? undefined,
    channel: click.channel,
    counts,
  };
}

export interface OrderFactInput {
  shopId: string;
  productId: string;
  quantity: number;
  total: number;
  /** Commission booked on the order (reseller + upline), 0 when unattributed. */
  commission: number;
  createdAt: Date;
  attribution?: { resellerId: string; linkId?: string | null; segment?: Segment | null; channel?: Channel | null } | null;
}

/** Statuses in which an order counts; moving out of them adds `orderFact(order, tz, -1)`. */
export const COUNTED_ORDER_STATUSES: readonly string[] = ['pending', 'paid', 'fulfilled'];

export function orderFact(order: OrderFactInput, timezone: string, sign: 1 | -1 = 1): RollupFact {
  const a = order.attribution ?? null;
  return {
    shopId: order.shopId,
    timezone,
    at: order.createdAt,
    productId: order.productId,
    resellerId: a?.resellerId,
    linkId: a?.linkId ?? undefined,
    segment: a?.segment ?? undefined,
    channel: a?.channel ?? undefined,
    counts: { orders: sign, units: sign * order.quantity, revenue: sign * order.total, commission: sign * order.commission },
  };
}
