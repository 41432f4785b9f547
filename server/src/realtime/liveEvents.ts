import type {
  LiveClickEvent,
  LiveClickItem,
  LiveCommissionItem,
  LiveMembershipItem,
  LiveOrderItem,
  LivePayoutItem,
} from '@tular/shared';
import type { ClickHappened, CommissionChanged, MembershipChanged, OrderChanged, PayoutChanged } from '../events/bus';
import type { Accumulator } from './coalescer';

export type ClickBatch = Omit<LiveClickEvent, 'room' | 'sentAt'>;

/** Slot of a (kind, unique) pair in a link's row: no key string built per click. */
const slotOf = (kind: ClickHappened['kind'], unique: boolean): number => (kind === 'click' ? 0 : kind === 'bot' ? 2 : 4) + (unique ? 1 : 0);

/** Merges a burst of clicks into counts per link, kind and uniqueness. */
export class ClickAccumulator implements Accumulator<ClickHappened, ClickBatch> {
  /** Per link, one item per (kind, unique) pair seen (see slotOf). */
  private byLink = new Map<string, Array<LiveClickItem | undefined>>();
  private count = 0;
  private clicks = 0;
  private uniqueClicks = 0;
  private botClicks = 0;
  private previews = 0;
  private first = Infinity;
  private last = -Infinity;

  constructor(private readonly cap = 50) {}

  add(c: ClickHappened): void {
    this.count += 1;
    if (c.kind === 'click') {
      this.clicks += 1;
      if (c.unique) this.uniqueClicks += 1;
    } else if (c.kind === 'bot') this.botClicks += 1;
    else this.previews += 1;
    const t = c.at.getTime();
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
    let row = this.byLink.get(c.linkId);
    if (!row) {
      row = [];
      this.byLink.set(c.linkId, row);
    }
    const slot = slotOf(c.kind, c.unique);
    const item = row[slot];
    if (item) item.count += 1;
    else row[slot] = { linkId: c.linkId, productId: c.productId ?? null, channel: c.channel, kind: c.kind, unique: c.unique, count: 1 };
  }

  drain(): ClickBatch {
    const all: LiveClickItem[] = [];
    for (const row of this.byLink.values()) for (const item of row) if (item) all.push(item);
    all.sort((a, b) => b.count - a.count);
    const items = all.slice(0, this.cap);
    const out = {
      count: this.count,
      items,
      truncated: items.length < all.length,
      clicks: this.clicks,
      uniqueClicks: this.uniqueClicks,
      botClicks: this.botClicks,
      previews: this.previews,
      firstAt: new Date(this.first).toISOString(),
      lastAt: new Date(this.last).toISOString(),
    };
    this.byLink = new Map();
    this.count = this.clicks = this.uniqueClicks = this.botClicks = this.previews = 0;
    this.first = Infinity;
    this.last = -Infinity;
    return out;
  }

  get empty(): boolean {
    return this.count === 0;
  }
}

export function orderItem(o: OrderChanged): LiveOrderItem {
  return {
    orderId: o.orderId,
    shopId: o.shopId,
    productId: o.productId,
    resellerId: o.resellerId ?? null,
    segment: o.segment ?? null,
    status: o.status,
    previousStatus: o.previousStatus ?? null,
    quantity: o.quantity,
    total: o.total,
    at: o.at.toISOString(),
  };
}

export function commissionItem(c: CommissionChanged): LiveCommissionItem {
  return { shopId: c.shopId, resellerId: c.resellerId, orderId: c.orderId ?? null, kind: c.kind, amount: c.amount, state: c.state, at: c.at.toISOString() };
}

export function payoutItem(p: PayoutChanged): LivePayoutItem {
  return { payoutId: p.payoutId, shopId: p.shopId, resellerId: p.resellerId, status: p.status, amount: p.amount, at: p.at.toISOString() };
}

export function membershipItem(m: MembershipChanged): LiveMembershipItem {
  return { membershipId: m.membershipId, shopId: m.shopId, resellerId: m.resellerId, status: m.status };
}

/**
 * Room names, built once per id: every visit names its shop's and its reseller's room, and a string
 * built anew is hashed anew by each Map lookup it meets (the coalescer's, socket.io's) — the same
 * string object keeps its hash. Bounded; a cleared map only builds names again.
 */
function roomNamer(prefix: string): (id: string) => string {
  const names = new Map<string, string>();
  return (id) => {
    let name = names.get(id);
    if (name === undefined) {
      if (names.size >= 100_000) names.clear();
      name = `${prefix}${id}`;
      names.set(id, name);
    }
    return name;
  };
}
export const shopRoom = roomNamer('shop:');
export const resellerRoom = roomNamer('reseller:');
