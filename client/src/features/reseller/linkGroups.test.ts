import { describe, expect, it } from 'vitest';
import type { Channel, Link, LinkDestination } from '@tular/shared';
import { groupLinks, linkRequest } from './linkGroups';

let n = 0;
function link(channel: Channel, productId: string | null, destination: LinkDestination = 'page'): Link {
  n += 1;
  const code = `CODE${String(n).padStart(4, '2')}`;
  const url = `http://t.test/r/${code}`;
  return {
    id: `id${n}`,
    code,
    url,
    productId,
    shopId: 's1',
    channel,
    destination,
    active: true,
    shareUrls: { whatsapp: `wa:${code}`, facebook: `fb:${code}`, x: `x:${code}`, telegram: `tg:${code}` },
    qr: { png: `${url}.png`, svg: `${url}.svg` },
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
  };
}

describe('link cards: one link per channel', () => {
  it('puts a product’s WhatsApp and Facebook links on one card and keeps each channel’s own link', () => {
    const wa = link('whatsapp', 'p1');
    const fb = link('facebook', 'p1');
    const other = link('whatsapp', 'p2');
    // The API lists newest first.
    const groups = groupLinks([other, fb, wa]);
    expect(groups).toHaveLength(2);
    const p1 = groups.find((g) => g.productId === 'p1')!;
    expect(p1.byChannel.whatsapp?.code).toBe(wa.code);
    expect(p1.byChannel.facebook?.code).toBe(fb.code);
    expect(p1.primary.code).toBe(wa.code);
  });

  it('keeps a marketplace destination apart from the product page', () => {
    const page = link('whatsapp', 'p1');
    const shopee = link('whatsapp', 'p1', 'shopee');
    const groups = groupLinks([shopee, page]);
    expect(groups.map((g) => g.destination).sort()).toEqual(['page', 'shopee']);
  });

  it('shows the oldest link when there is no WhatsApp one', () => {
    const older = link('telegram', 'p1');
    const newer = link('x', 'p1');
    expect(groupLinks([newer, older])[0]!.primary.code).toBe(older.code);
  });

  it('asks the server for the same product and destination with the button’s channel', () => {
    const [g] = groupLinks([link('whatsapp', 'p1', 'tokopedia')]);
    expect(linkRequest(g!, 'facebook')).toEqual({ productId: 'p1', channel: 'facebook', destination: 'tokopedia' });
    const [shopCard] = groupLinks([link('whatsapp', null)]);
    expect(linkRequest(shopCard!, 'x')).toEqual({ shopId: 's1', channel: 'x', destination: 'page' });
  });
});
