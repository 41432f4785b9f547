import { EventEmitter } from 'node:events';
import type { Channel, Segment } from '@tular/shared';

/**
 * In-process domain events, emitted only after the write they describe is durable.
 * Producers: the click buffer (after a flush), order/ledger/payout commands. Consumers: live
 * stats (socket.io rooms), rollups for orders, notifications. Keep payloads small and plain.
 */
export interface ClickHappened {
  shopId: string;
  productId?: string;
  linkId: string;
  resellerId?: string;
  segment?: Segment;
  channel: Channel;
  kind: 'click' | 'preview' | 'bot';
  unique: boolean;
  at: Date;
}

export interface OrderChanged {
  orderId: string;
  shopId: string;
  productId: string;
  resellerId?: string;
  segment?: Segment;
  linkId?: string;
  channel?: Channel;
  status: 'pending' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';
  previousStatus?: OrderChanged['status'];
  quantity: number;
  total: number;
  at: Date;
}

export interface CommissionChanged {
  shopId: string;
  resellerId: string;
  orderId?: string;
  kind: string;
  amount: number;
  state: string;
  at: Date;
}

export interface PayoutChanged {
  payoutId: string;
  shopId: string;
  resellerId: string;
  status: string;
  amount: number;
  at: Date;
}

/** Caches keyed on links (the redirect) drop entries when these arrive (and relay them across instances). */
export interface MembershipChanged {
  membershipId: string;
  shopId: string;
  resellerId: string;
  status: 'pending' | 'approved' | 'blocked';
}

export interface LinkChanged {
  linkId: string;
  code: string;
  shopId: string;
  active: boolean;
}

export interface ShopChanged {
  shopId: string;
}

export interface DomainEvents {
  membership: [MembershipChanged];
  link: [LinkChanged];
  shop: [ShopChanged];
  click: [ClickHappened];
  order: [OrderChanged];
  commission: [CommissionChanged];
  payout: [PayoutChanged];
}

export class EventBus extends EventEmitter<DomainEvents> {
  constructor() {
    super();
    this.setMaxListeners(50);
  }
}
