import type { Channel, Link, LinkDestination } from '@tular/shared';

/** The share targets on a link card; each one gets its own link so the owner's channel breakdown is true. */
export const SHARE_CHANNELS = ['whatsapp', 'facebook', 'x', 'telegram'] as const satisfies readonly Channel[];
export type ShareChannel = (typeof SHARE_CHANNELS)[number];

/** One product (or whole shop) and destination, with the reseller's link per channel. */
export interface LinkGroup {
  key: string;
  productId: string | null;
  shopId: string;
  destination: LinkDestination;
  /** The link shown and copied: the WhatsApp one when there is one, else the oldest. */
  primary: Link;
  byChannel: Partial<Record<Channel, Link>>;
}

export const groupKey = (l: Pick<Link, 'productId' | 'shopId' | 'destination'>): string => `${l.productId ?? `shop:${l.shopId}`}|${l.destination}`;

/** Collapses a newest-first list of links into cards, in the order each card's newest link came. */
export function groupLinks(links: Link[]): LinkGroup[] {
  const groups = new Map<string, LinkGroup>();
  for (const link of links) {
    const key = groupKey(link);
    let g = groups.get(key);
    if (!g) {
      g = { key, productId: link.productId, shopId: link.shopId, destination: link.destination, primary: link, byChannel: {} };
      groups.set(key, g);
    }
    // Newest first, so a later row is older: keep the first link seen per channel.
    g.byChannel[link.channel] ??= link;
  }
  for (const g of groups.values()) {
    const all = Object.values(g.byChannel).filter((l): l is Link => Boolean(l));
    g.primary = g.byChannel.whatsapp ?? all.sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0] ?? g.primary;
  }
  return [...groups.values()];
}

/** The body that makes (or, on the server, returns) the link for one channel of a card. */
export function linkRequest(group: Pick<LinkGroup, 'productId' | 'shopId' | 'destination'>, channel: Channel) {
  return group.productId ? { productId: group.productId, channel, destination: group.destination } : { shopId: group.shopId, channel, destination: group.destination };
}
