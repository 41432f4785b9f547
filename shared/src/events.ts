import type { Channel, Segment } from './enums';
import type { StatsCounts } from './stats';

/**
 * Live events pushed over socket.io (the client subscribes to these names). Bursts are coalesced
 * per room: at most a few messages per second per event type, each carrying counts — so `count`
 * is how many domain events the message stands for, and `items` may be truncated to the latest few.
 *
 * Rooms: `shop:<shopId>` (owners of that shop), `reseller:<userId>` (that reseller).
 * Handshake: `io(url, { auth: { token: accessToken, shops?: string[] } })` — `shops` narrows an
 * owner's rooms to a subset of the shops they own. Send `reauth` with a fresh access token before
 * the current one expires, or the server disconnects the socket at expiry (reason `io server disconnect`).
 */
export const LIVE_EVENTS = ['click', 'order', 'commission', 'payout', 'membership', 'stats'] as const;
export type LiveEventName = (typeof LIVE_EVENTS)[number];

export interface LiveBatch<T> {
  room: string;
  /** Domain events this message stands for (≥ items.length). */
  count: number;
  items: T[];
  /** True when `items` keeps only the latest ones. */
  truncated: boolean;
  /** When the server sent it (ISO). */
  sentAt: string;
}

/**
 * One server instance's share of a shop's counters for one local day: everything that instance
 * counted (`writer` is its rollup writer id), stored or not yet. `v` grows with every increment the
 * instance makes, so of two parts of the same writer and day the one with the higher `v` is the newer
 * (equal `v`: the same counts). A dashboard keeps the newest part per writer and shows their sum —
 * never a stale snapshot below what an event already showed, never a click twice (see README
 * "Live stats"). A writer that only ever stored (a rebuild run, an older build) has `v` 0.
 */
export interface LiveCountsPart extends StatsCounts {
  writer: string;
  v: number;
}

/** Carried by `click` and `order` messages to a shop room: the sending instance's part of `day`, as of sending. */
export interface LiveDayPart {
  /** The shop's local date the part counts. */
  day: string;
  part: LiveCountsPart;
}

export interface LiveClickItem {
  linkId: string;
  productId: string | null;
  channel: Channel;
  kind: 'click' | 'preview' | 'bot';
  unique: boolean;
  count: number;
}

export interface LiveClickEvent extends LiveBatch<LiveClickItem>, Partial<LiveDayPart> {
  /** Human clicks (kind `click`) in this message, and how many were unique. */
  clicks: number;
  uniqueClicks: number;
  botClicks: number;
  previews: number;
  /** Time of the first and the last click this message covers (ISO) — for latency measurement. */
  firstAt: string;
  lastAt: string;
}

export interface LiveOrderItem {
  orderId: string;
  shopId: string;
  productId: string;
  resellerId: string | null;
  segment: Segment | null;
  status: 'pending' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';
  previousStatus: LiveOrderItem['status'] | null;
  quantity: number;
  total: number;
  at: string;
}
export type LiveOrderEvent = LiveBatch<LiveOrderItem> & Partial<LiveDayPart>;

export interface LiveCommissionItem {
  shopId: string;
  resellerId: string;
  orderId: string | null;
  kind: string;
  amount: number;
  state: string;
  at: string;
}
export type LiveCommissionEvent = LiveBatch<LiveCommissionItem>;

export interface LivePayoutItem {
  payoutId: string;
  shopId: string;
  resellerId: string;
  status: string;
  amount: number;
  at: string;
}
export type LivePayoutEvent = LiveBatch<LivePayoutItem>;

export interface LiveMembershipItem {
  membershipId: string;
  shopId: string;
  resellerId: string;
  status: 'pending' | 'approved' | 'blocked';
}
export type LiveMembershipEvent = LiveBatch<LiveMembershipItem>;

/**
 * Today's totals for the room (the shop's, or the reseller's across shops), every few seconds and
 * when a socket joins. For a shop room the counters are the sum of `parts`: every writer's stored
 * counters, with the sending instance's own part taken from memory (so it includes what is not stored
 * yet). Another instance's not-yet-stored clicks reach the dashboard through that instance's `click`
 * parts. A reseller room's counters are the stored ones (no parts).
 */
export interface LiveStatsEvent {
  room: string;
  /** Local date of "today" (the shop's time zone; for a reseller, Asia/Jakarta's). */
  day: string;
  clicks: number;
  uniqueClicks: number;
  botClicks: number;
  previews: number;
  orders: number;
  units: number;
  revenue: number;
  commission: number;
  conversionBp: number;
  epc: number;
  aov: number;
  /** Shop rooms: one part per writer (see LiveCountsPart). */
  parts?: LiveCountsPart[];
  sentAt: string;
}

export interface LiveServerEvents {
  click: (e: LiveClickEvent) => void;
  order: (e: LiveOrderEvent) => void;
  commission: (e: LiveCommissionEvent) => void;
  payout: (e: LivePayoutEvent) => void;
  membership: (e: LiveMembershipEvent) => void;
  stats: (e: LiveStatsEvent) => void;
  /** The rooms this socket joined, sent once after the handshake. */
  ready: (e: { rooms: string[] }) => void;
}

export interface LiveClientEvents {
  /** Swap in a fresh access token (same user) to keep the socket past the old token's expiry. */
  reauth: (token: string, ack?: (result: { ok: boolean; error?: string }) => void) => void;
}
