import type { Link } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, type Registered } from '../../test/factories';
import { readAttribution } from '../lib/attributionCookie';
import { ClickEventModel } from '../models/ClickEvent';
import { rollupCollection } from '../models/Rollup';

useTestDatabase();
const app = buildTestApp({ publicUrl: 'https://tular.test' });
afterAll(() => app.redirect.close());

const BROWSER = 'Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36';
const COOKIE_SECRET = app.deps.config.cookieSecret;

async function seedLink(
  target: TestApp = app,
  opts: { attributionDays?: number; product?: Record<string, unknown>; body?: Record<string, unknown> } = {},
): Promise<{ link: Link; owner: Registered; reseller: Registered; shopId: string; productId: string; membershipId: string }> {
  const owner = await buildOwner(target);
  const shop = await buildShop(target, owner, { attributionDays: opts.attributionDays ?? 7 });
  const product = await buildProduct(target, owner, shop.id, opts.product ?? {});
  const reseller = await buildReseller(target, { segment: 'influencer' });
  const membership = await joinShop(target, reseller, shop.id, owner);
  const res = await target.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id, ...opts.body });
  if (res.status !== 201) throw new Error(`link ${res.status} ${JSON.stringify(res.body)}`);
  return { link: res.body.data as Link, owner, reseller, shopId: shop.id, productId: product.id, membershipId: membership.id };
}

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const raw = res.headers['set-cookie'];
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
}
const cookieHeader = (cookies: string[]): string => cookies.map((c) => c.split(';')[0]).join('; ');

async function flushAll(target: TestApp = app): Promise<void> {
  await target.redirect.clicks.flush();
  await target.deps.rollups.flush();
}

async function linkCounts(linkId: string): Promise<Record<string, number>> {
  const docs = await rollupCollection().find({ scope: 'link', key: linkId, granularity: 'day' }).toArray();
  const sum: Record<string, number> = { clicks: 0, uniqueClicks: 0, botClicks: 0, previews: 0 };
  for (const d of docs) for (const k of Object.keys(sum)) sum[k]! += (d as unknown as Record<string, number>)[k] ?? 0;
  return sum;
}

describe('GET /r/:code', () => {
  it('answers 302 to the product page with no-store, a referrer policy and a signed attribution cookie', async () => {
    const { link, reseller, shopId, productId } = await seedLink(app, { attributionDays: 14 });
    const before = Date.now();
    const res = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`https://tular.test/p/${productId}?ref=${link.code}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    const cookies = setCookies(res);
    const ref = cookies.find((c) => c.startsWith('tular_ref='))!;
    expect(ref).toMatch(/; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(cookies.find((c) => c.startsWith('tular_vid='))).toMatch(/HttpOnly; SameSite=Lax; Secure$/);
    const attribution = readAttribution(cookieHeader(cookies), COOKIE_SECRET);
    expect(attribution).toMatchObject({ linkId: link.id, code: link.code, resellerId: reseller.user.id, shopId });
    expect(attribution!.clickedAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('replaces the attribution cookie on a later click of another link (last click wins) and keeps the visitor id', async () => {
    const a = await seedLink();
    const b = await seedLink();
    const first = await app.http.get(`/r/${a.link.code}`).set('User-Agent', BROWSER);
    const jar = setCookies(first);
    const second = await app.http.get(`/r/${b.link.code}`).set('User-Agent', BROWSER).set('Cookie', cookieHeader(jar));
    const replaced = setCookies(second);
    expect(replaced.some((c) => c.startsWith('tular_vid='))).toBe(false);
    const merged = [...jar.filter((c) => !c.startsWith('tular_ref=')), ...replaced];
    expect(readAttribution(cookieHeader(merged), COOKIE_SECRET)).toMatchObject({ linkId: b.link.id, resellerId: b.reseller.user.id });
  });

  it('sends marketplace links to the listing', async () => {
    const { link } = await seedLink(app, { product: { marketplace: { tokopedia: 'https://www.tokopedia.com/albar/keripik' } }, body: { destination: 'tokopedia' } });
    const res = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://www.tokopedia.com/albar/keripik');
  });

  it('shows a friendly HTML 404 for unknown, malformed and disabled codes (never JSON)', async () => {
    for (const path of ['/r/zzzzzzzz', '/r/0Oo1lI00', '/r/abc', `/r/${'a'.repeat(40)}`, '/r/abcdefgh/extra', '/r/%24where']) {
      const res = await app.http.get(path).set('User-Agent', BROWSER);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('Tautan tidak ditemukan');
      expect(res.text).toContain('This link does not exist');
    }
    const missesBefore = app.redirect.cache.stats.misses;
    await app.http.get('/r/0Oo1lI00');
    expect(app.redirect.cache.stats.misses).toBe(missesBefore);

    const { link, owner } = await seedLink();
    expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    await app.http.patch(`/api/v1/links/${link.id}`).set(owner.auth).send({ active: false }).expect(200);
    // Cached a moment ago, but the link event drops it: the very next visit sees it disabled.
    const disabled = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    expect(disabled.status).toBe(404);
    expect(disabled.text).toContain('Tautan tidak ditemukan');
    await app.http.patch(`/api/v1/links/${link.id}`).set(owner.auth).send({ active: true }).expect(200);
    expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
  });

  it('still redirects a blocked reseller’s link, but records it unattributed and sets no attribution cookie', async () => {
    const { link, owner, membershipId, productId } = await seedLink();
    await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
    await app.http.patch(`/api/v1/memberships/${membershipId}`).set(owner.auth).send({ status: 'blocked' }).expect(200);
    const res = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`https://tular.test/p/${productId}`);
    expect(setCookies(res).some((c) => c.startsWith('tular_ref='))).toBe(false);
    await flushAll();
    const events = await ClickEventModel.find({ linkId: link.id }).sort({ at: 1 }).lean();
    expect(events.map((e) => (e.resellerId ? 'attributed' : 'unattributed'))).toEqual(['attributed', 'unattributed']);
  });

  it('stops a withdrawn product’s links at once: HTML 404, no cookie, no click — and resumes when it is offered again', async () => {
    const { link, owner, productId } = await seedLink();
    // Cached by this first visit: the withdrawal must reach the cache, not wait for its TTL.
    expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    await app.http.delete(`/api/v1/products/${productId}`).set(owner.auth).expect(200);
    for (const ua of [BROWSER, 'WhatsApp/2.23.20.0 A']) {
      const res = await app.http.get(`/r/${link.code}`).set('User-Agent', ua);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('Tautan tidak ditemukan');
      expect(setCookies(res)).toEqual([]);
    }
    await flushAll();
    expect(await ClickEventModel.countDocuments({ linkId: link.id })).toBe(1);
    expect((await linkCounts(link.id)).clicks).toBe(1);

    await app.http.patch(`/api/v1/products/${productId}`).set(owner.auth).send({ active: true }).expect(200);
    expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
  });

  it('stops a whole-shop link when the owner deactivates the shop', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const reseller = await buildReseller(app);
    await joinShop(app, reseller, shop.id, owner);
    const link = (await app.http.post('/api/v1/links').set(reseller.auth).send({ shopId: shop.id }).expect(201)).body.data as Link;
    expect((await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    await app.http.patch(`/api/v1/shops/${shop.id}`).set(owner.auth).send({ active: false }).expect(200);
    const res = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    expect(res.status).toBe(404);
    expect(setCookies(res)).toEqual([]);
  });

  it('clears an earlier reseller’s cookie when the last click is on a blocked or pending reseller’s link (last click wins, nobody earns)', async () => {
    const earlier = await seedLink();
    const owner = earlier.owner;
    const shop = { id: earlier.shopId };
    const blocked = await buildReseller(app);
    const blockedMembership = await joinShop(app, blocked, shop.id, owner);
    const blockedLink = (await app.http.post('/api/v1/links').set(blocked.auth).send({ productId: earlier.productId }).expect(201)).body.data as Link;
    await app.http.patch(`/api/v1/memberships/${blockedMembership.id}`).set(owner.auth).send({ status: 'blocked' }).expect(200);

    const first = await app.http.get(`/r/${earlier.link.code}`).set('User-Agent', BROWSER);
    const jar = setCookies(first);
    expect(readAttribution(cookieHeader(jar), COOKIE_SECRET)).toMatchObject({ resellerId: earlier.reseller.user.id });

    const second = await app.http.get(`/r/${blockedLink.code}`).set('User-Agent', BROWSER).set('Cookie', cookieHeader(jar));
    expect(second.status).toBe(302);
    const cleared = setCookies(second).find((c) => c.startsWith('tular_ref='));
    expect(cleared).toMatch(/^tular_ref=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    // What the browser keeps after applying Max-Age=0: no attribution cookie at all.
    const browserJar = jar.filter((c) => !c.startsWith('tular_ref='));
    expect(readAttribution(cookieHeader(browserJar), COOKIE_SECRET)).toBeNull();
    // A preview fetcher carries no buyer's cookies and changes nothing.
    const preview = await app.http.get(`/r/${blockedLink.code}`).set('User-Agent', 'WhatsApp/2.23.20.0 A').set('Cookie', cookieHeader(jar));
    expect(setCookies(preview)).toEqual([]);
  });

  it('counts a visitor once per link per hour (by cookie, or by IP hash + UA), and previews and bots apart', async () => {
    const { link } = await seedLink();
    const first = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    const jar = cookieHeader(setCookies(first).filter((c) => c.startsWith('tular_vid=')));
    await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('Cookie', jar).expect(302);
    // No cookie, same IP and UA: still the same visitor.
    await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
    // A different browser on the same IP is another visitor.
    await app.http.get(`/r/${link.code}`).set('User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1').expect(302);
    for (const ua of ['WhatsApp/2.23.20.0 A', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'TelegramBot (like TwitterBot)']) {
      const preview = await app.http.get(`/r/${link.code}`).set('User-Agent', ua);
      expect(preview.status).toBe(302);
      expect(setCookies(preview)).toEqual([]);
    }
    for (const ua of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.5.0', 'Mozilla/5.0 HeadlessChrome/119.0']) {
      await app.http.get(`/r/${link.code}`).set('User-Agent', ua).expect(302);
    }
    await app.http.get(`/r/${link.code}`).set('User-Agent', '').expect(302);
    // HEAD (link checkers) redirects but is not a visit.
    await app.http.head(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);

    await flushAll();
    const events = await ClickEventModel.find({ linkId: link.id }).lean();
    expect(events.filter((e) => e.kind === 'click')).toHaveLength(4);
    expect(events.filter((e) => e.kind === 'click' && e.unique)).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'preview')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'bot')).toHaveLength(4);
    expect(await linkCounts(link.id)).toEqual({ clicks: 4, uniqueClicks: 2, previews: 3, botClicks: 4 });
    // The audit trail: the first two clicks were one visitor (its cookie), each visit of a new id
    // another; bots and previews keep no visitor at all. Every event's id carries its visit's second.
    const hashes = events.filter((e) => e.kind === 'click').map((e) => e.visitorHash);
    for (const h of hashes) expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const perHash = [...new Set(hashes)].map((h) => hashes.filter((x) => x === h).length).sort();
    expect(perHash).toEqual([1, 1, 2]);
    for (const e of events.filter((x) => x.kind !== 'click')) expect(e.visitorHash ?? null).toBeNull();
    for (const e of events) expect(e._id.getTimestamp().getTime()).toBe(Math.floor(e.at.getTime() / 1000) * 1000);
  });

  it('stores a salted IP hash (never the IP), device class, referrer host, UTM tags and the QR marker', async () => {
    const { link } = await seedLink(app, { body: { channel: 'instagram' } });
    await app.http
      .get(`/r/${link.code}?src=qr&utm_source=ig&utm_medium=story&utm_campaign=lebaran&utm_content=${'x'.repeat(300)}`)
      .set('User-Agent', BROWSER)
      .set('Referer', 'https://l.instagram.com/?u=whatever')
      .expect(302);
    await flushAll();
    const [event] = await ClickEventModel.find({ linkId: link.id }).lean();
    expect(event).toMatchObject({
      kind: 'click',
      channel: 'instagram',
      viaQr: true,
      device: 'mobile',
      os: 'android',
      browser: 'chrome',
      referrerHost: 'l.instagram.com',
      utm: { source: 'ig', medium: 'story', campaign: 'lebaran' },
    });
    expect(event!.utm!.content).toHaveLength(100);
    expect(event!.ipHash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify(event)).not.toMatch(/127\.0\.0\.1|::1|::ffff/);
  });

  it('records exactly N raw events and N in the rollups for N concurrent clicks', async () => {
    const { link } = await seedLink();
    const N = 200;
    const statsBefore = app.redirect.clicks.stats();
    const results = await Promise.all(Array.from({ length: N }, (_, i) => app.http.get(`/r/${link.code}?utm_content=${i}`).set('User-Agent', BROWSER)));
    expect(results.every((r) => r.status === 302)).toBe(true);
    await flushAll();
    expect(await ClickEventModel.countDocuments({ linkId: link.id, kind: 'click' })).toBe(N);
    expect(new Set((await ClickEventModel.find({ linkId: link.id }, { 'utm.content': 1 }).lean()).map((e) => e.utm?.content)).size).toBe(N);
    const counts = await linkCounts(link.id);
    expect(counts.clicks).toBe(N);
    // Same IP and UA without cookies: one unique visitor.
    expect(counts.uniqueClicks).toBe(1);
    const stats = app.redirect.clicks.stats();
    expect(stats.written - statsBefore.written).toBe(N);
    expect(stats).toMatchObject({ buffered: 0, shed: 0, lost: 0 });
  });

  it('emits a live click event per click after it is stored', async () => {
    const { link, shopId, reseller } = await seedLink();
    const seen: Array<{ linkId: string; kind: string; resellerId?: string; segment?: string }> = [];
    const listener = (e: (typeof seen)[number]): void => {
      if (e.linkId === link.id) seen.push(e);
    };
    app.deps.bus.on('click', listener);
    await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
    await flushAll();
    app.deps.bus.off('click', listener);
    expect(seen).toEqual([expect.objectContaining({ shopId, linkId: link.id, resellerId: reseller.user.id, segment: 'influencer', kind: 'click', unique: true })]);
  });

  it('still redirects, with both cookies, when counting the visit fails; the next visit is counted again', async () => {
    const { link } = await seedLink();
    const spy = jest.spyOn(app.redirect.clicks, 'count').mockImplementationOnce(() => {
      throw new Error('counter store unavailable');
    });
    try {
      const res = await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
      expect(res.status).toBe(302);
      expect(setCookies(res).map((c) => c.split('=')[0]).sort()).toEqual(['tular_ref', 'tular_vid']);
      await app.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
    } finally {
      spy.mockRestore();
    }
    await flushAll();
    expect(await ClickEventModel.countDocuments({ linkId: link.id, kind: 'click' })).toBe(1);
    expect((await linkCounts(link.id)).clicks).toBe(1);
  });
});

describe('behind a TLS-terminating proxy', () => {
  const proxied = buildTestApp({ trustProxy: true, publicUrl: 'http://localhost:3000', rateLimitRedirectPerMinute: 2 });
  afterAll(() => proxied.redirect.close());

  it('marks cookies Secure only when the proxy says https, and limits by the forwarded client address', async () => {
    const { link } = await seedLink(proxied);
    const https = await proxied.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '203.0.113.7');
    expect(setCookies(https).every((c) => c.endsWith('; Secure'))).toBe(true);
    const plain = await proxied.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', '203.0.113.7');
    expect(setCookies(plain).some((c) => c.includes('Secure'))).toBe(false);
    expect((await proxied.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', '203.0.113.7')).status).toBe(429);
    // The proxy appends the address it saw; whatever the client wrote to the left of it is not trusted,
    // so forging a new "client" per request does not escape the limit.
    for (const forged of ['1.2.3.4, 203.0.113.7', '5.6.7.8,203.0.113.7']) {
      expect((await proxied.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', forged)).status).toBe(429);
    }
    // Another buyer behind the same proxy is not limited by the first one.
    expect((await proxied.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', '203.0.113.7, 198.51.100.9')).status).toBe(302);
  });

  it('counts a visitor once even when the client forges a new X-Forwarded-For each time', async () => {
    const roomy = buildTestApp({ trustProxy: true, publicUrl: 'http://localhost:3000' });
    try {
      const { link } = await seedLink(roomy);
      for (let i = 0; i < 5; i += 1) {
        await roomy.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).set('X-Forwarded-For', `10.9.8.${i}, 203.0.113.50`).expect(302);
      }
      await flushAll(roomy);
      expect(await ClickEventModel.countDocuments({ linkId: link.id, kind: 'click', unique: true })).toBe(1);
      expect(new Set((await ClickEventModel.find({ linkId: link.id }).lean()).map((e) => e.ipHash)).size).toBe(1);
    } finally {
      await roomy.redirect.close();
    }
  });
});

describe('cache warm-up', () => {
  it('loads existing links in bulk so a fresh instance answers their first visit without a lookup', async () => {
    const { link, productId } = await seedLink();
    const fresh = buildTestApp({ publicUrl: 'https://tular.test' });
    try {
      // Construction already started a warm-up (the database is connected); wait for one to finish.
      await fresh.redirect.cache.warm();
      expect(fresh.redirect.cache.peek(link.code)).toMatchObject({ code: link.code, attributed: true, location: `https://tular.test/p/${productId}?ref=${link.code}` });
      const misses = fresh.redirect.cache.stats.misses;
      expect((await fresh.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
      expect(fresh.redirect.cache.stats.misses).toBe(misses);
    } finally {
      await fresh.redirect.close();
    }
  });
});

describe('redirect rate limit and overload', () => {
  const limited = buildTestApp({ rateLimitRedirectPerMinute: 3 });
  afterAll(() => limited.redirect.close());

  it('answers 429 with Retry-After past the per-IP limit', async () => {
    const { link } = await seedLink(limited);
    for (let i = 0; i < 3; i += 1) await limited.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
    const res = await limited.http.get(`/r/${link.code}`).set('User-Agent', BROWSER);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});
