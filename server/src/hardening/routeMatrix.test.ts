import { buildTestApp, useTestDatabase } from '../../test/harness';
import { buildFixture, CALLERS, fillPath, type CallerName, type Fixture } from './fixtures';

/**
 * The authorization matrix: every route of the API table, called as anonymous, a reseller, another
 * reseller of the same shop, another shop's owner, an admin and the right owner, with real records
 * (the reseller's link, claim, payout, orders) in the path. Answers to the other reseller must not
 * contain any of the reseller's record ids. Anonymous gets 401 on
 * every non-public route and a role outside a route's `access` gets 403 (both derived from the
 * table itself); what an allowed role may do with someone else's record is stated below per route.
 * A route missing from POLICIES fails: a new route needs a stated policy.
 */
type Outcome =
  | 'ok' // 2xx
  | 'pass' // authorized: neither 401 nor 403 (the record's state may still refuse it, e.g. 409)
  | 'deny' // 403: authenticated but not allowed on this record
  | 'hidden' // 404: another owner's record is not revealed to exist
  | 'any' // public and self-authenticating (HMAC): only "never 5xx"
  | 401; // a public route with its own proof (review token or reseller sign-in) refuses callers without it

interface Policy {
  params?: (f: Fixture) => Record<string, string>;
  body?: (f: Fixture, caller: CallerName) => unknown;
  query?: (f: Fixture) => Record<string, string>;
  /** Outcomes for callers the route's `access` admits (public routes: every caller). */
  expect: Partial<Record<CallerName, Outcome>>;
  why?: string;
}

const shop = (f: Fixture): Record<string, string> => ({ shopId: f.shopId });
const product = (f: Fixture): Record<string, string> => ({ id: f.productId });
const everyone = (o: Outcome): Record<CallerName, Outcome> => ({ anonymous: o, reseller: o, otherReseller: o, otherOwner: o, owner: o, admin: o });
const ownerSide = { owner: 'ok', admin: 'ok', otherOwner: 'deny' } as const;
const buyer = { name: 'Siti', phone: '081298765432', address: 'Malang' };
let spare = 0;

const POLICIES: Record<string, Policy> = {
  'POST /auth/register': { expect: everyone('pass'), why: 'public; a signed-in caller may still register a new account' },
  'POST /auth/login': { expect: everyone('pass') },
  'POST /auth/refresh': { expect: everyone('pass') },
  'POST /auth/logout': { expect: everyone('pass') },
  'GET /me': { expect: { reseller: 'ok', otherReseller: 'ok', otherOwner: 'ok', owner: 'ok', admin: 'ok' } },
  'POST /shops': { expect: { otherOwner: 'pass', owner: 'pass' }, why: 'any owner may open a shop' },
  'GET /shops': { expect: everyone('ok') },
  'GET /shops/:slug': { params: (f) => ({ slug: f.shopSlug }), expect: everyone('ok') },
  'PATCH /shops/:id': { params: (f) => ({ id: f.shopId }), body: () => ({ description: 'Keripik rumahan' }), expect: ownerSide },
  'POST /shops/:id/logo': { params: (f) => ({ id: f.shopId }), expect: { owner: 'pass', admin: 'pass', otherOwner: 'deny' } },
  'POST /shops/:shopId/products': { params: shop, body: () => ({ name: 'Sambal Bawang', price: 15_000, stock: 10 }), expect: ownerSide },
  'GET /shops/:shopId/products': { params: shop, expect: everyone('ok') },
  'GET /products': { expect: everyone('ok') },
  'GET /products/:id': { params: product, expect: everyone('ok') },
  'PATCH /products/:id': { params: product, body: () => ({ stock: 1000 }), expect: ownerSide },
  'DELETE /products/:id': { params: (f) => ({ id: f.spareProductIds[spare++ % f.spareProductIds.length]! }), expect: ownerSide },
  'POST /products/:id/photos': { params: product, expect: { owner: 'pass', admin: 'pass', otherOwner: 'deny' } },
  'POST /products/:id/kit-photos': { params: product, expect: { owner: 'pass', admin: 'pass', otherOwner: 'deny' } },
  'POST /shops/:shopId/join': { params: shop, expect: { reseller: 'ok', otherReseller: 'ok' }, why: 'both are members already: the membership is returned' },
  'GET /shops/:shopId/resellers': { params: shop, expect: ownerSide },
  'PATCH /memberships/:id': { params: (f) => ({ id: f.membershipId }), body: () => ({ status: 'approved' }), expect: ownerSide },
  'GET /me/memberships': { expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /me/team': { expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /files/:id': { params: (f) => ({ id: f.missingId }), expect: everyone('hidden'), why: 'public photos by id; unknown id is 404' },
  'POST /links': { body: (f) => ({ productId: f.productId }), expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /links': { expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /links/:code/qr': { params: (f) => ({ code: f.linkCode }), expect: everyone('ok') },
  'PATCH /links/:id': {
    params: (f) => ({ id: f.linkId }),
    body: () => ({ active: true }),
    expect: { reseller: 'ok', otherReseller: 'deny', owner: 'ok', admin: 'ok', otherOwner: 'deny' },
    why: 'the reseller who made it and the shop owner (moderation) may switch a link; a fellow member may not',
  },
  'POST /checkout': { body: (f) => ({ productId: f.productId, quantity: 1, buyer }), expect: everyone('ok') },
  'POST /shops/:shopId/orders': { params: shop, body: (f) => ({ productId: f.productId, quantity: 1, buyer }), expect: ownerSide },
  'GET /shops/:shopId/orders': { params: shop, expect: ownerSide },
  'GET /orders/:id': { params: (f) => ({ id: f.orderId }), expect: ownerSide },
  'PATCH /orders/:id': {
    params: (f) => ({ id: f.orderId }),
    body: () => ({ status: 'paid', paymentReference: 'TRF-1' }),
    expect: { owner: 'pass', admin: 'ok', otherOwner: 'deny' },
    why: 'admin marks it paid first, so the owner repeating it may meet the state machine',
  },
  'GET /products/:id/whatsapp': { params: product, expect: everyone('ok') },
  'GET /me/earnings': { expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /me/earnings/:shopId/entries': { params: shop, expect: { reseller: 'ok', otherReseller: 'ok' }, why: 'always the caller’s own entries' },
  'GET /shops/:shopId/earnings': { params: shop, expect: ownerSide },
  'POST /payouts': {
    body: (f) => ({ shopId: f.shopId, amount: 10_000, method: 'gopay', account: { name: 'Rina', number: '081298765432' } }),
    expect: { reseller: 'pass', otherReseller: 'pass' },
    why: 'what is available is already in a payout (or there is none), so the request is refused on balance, not on authorization',
  },
  'GET /payouts': { query: (f) => ({ shopId: f.shopId }), expect: { reseller: 'ok', otherReseller: 'ok', owner: 'ok', admin: 'ok', otherOwner: 'deny' } },
  'PATCH /payouts/:id': {
    params: (f) => ({ id: f.payoutId }),
    body: () => ({ status: 'approved' }),
    expect: { otherOwner: 'deny', admin: 'ok', owner: 'pass' },
    why: "the reseller's real payout: another owner is refused; admin approves it, so the owner repeating it meets the state machine (409)",
  },
  'POST /conversions': { body: (f) => ({ productId: f.productId, quantity: 1, buyer }), expect: everyone('any'), why: 'authenticated by the shop HMAC signature, not a user token' },
  'POST /shops/:shopId/conversion-secret': { params: shop, expect: ownerSide },
  'POST /claims': { body: (f) => ({ productId: f.productId, quantity: 1, buyer: { phone: '081298765434' } }), expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /claims': { query: (f) => ({ shopId: f.shopId }), expect: { reseller: 'ok', otherReseller: 'ok', owner: 'ok', admin: 'ok', otherOwner: 'deny' } },
  'PATCH /claims/:id': { params: (f) => ({ id: f.claimId ?? f.missingId }), body: () => ({ status: 'rejected' }), expect: { owner: 'pass', admin: 'ok', otherOwner: 'deny' } },
  'POST /claims/:id/receipt': {
    params: (f) => ({ id: f.claimId ?? f.missingId }),
    expect: { reseller: 'pass', otherReseller: 'hidden' },
    why: "a fellow member cannot attach a receipt to the reseller's claim (nor learn it exists)",
  },
  'GET /claims/:id/receipt': {
    params: (f) => ({ id: f.claimId ?? f.missingId }),
    expect: { reseller: 'ok', otherReseller: 'hidden', owner: 'ok', admin: 'ok', otherOwner: 'hidden' },
    why: "the receipt photo is the reseller's and the shop owner's; to anyone else the claim does not exist",
  },
  'POST /products/:id/reviews': {
    params: product,
    body: () => ({ rating: 4, text: 'Mantap' }),
    expect: { anonymous: 401, otherOwner: 401, owner: 401, admin: 401, reseller: 'pass', otherReseller: 'pass' },
    why: 'a buyer proves the purchase with the review token, a reseller by signing in as a member; anyone else is 401',
  },
  'GET /products/:id/reviews': { params: product, expect: everyone('ok') },
  'PATCH /reviews/:id': { params: (f) => ({ id: f.reviewId ?? f.missingId }), body: () => ({ hidden: true }), expect: ownerSide },
  'GET /shops/:shopId/stats': { params: shop, expect: ownerSide },
  'GET /me/stats': { expect: { reseller: 'ok', otherReseller: 'ok' } },
  'GET /shops/:shopId/leaderboard': { params: shop, expect: { owner: 'ok', admin: 'ok', reseller: 'ok', otherReseller: 'ok', otherOwner: 'deny' } },
  'GET /leaderboard': { expect: everyone('ok') },
  'PATCH /me/preferences': { body: () => ({ leaderboardOptOut: false }), expect: { reseller: 'ok', otherReseller: 'ok', otherOwner: 'ok', owner: 'ok', admin: 'ok' } },
  'GET /shops/:shopId/reports/monthly': { params: shop, expect: ownerSide },
  'GET /shops/:shopId/exports/orders.csv': { params: shop, expect: ownerSide },
  'GET /shops/:shopId/exports/ledger.csv': { params: shop, expect: ownerSide },
};

/** Ids only the reseller (and the shop's owner) may see: a fellow member's answers never contain them. */
function resellerSecrets(f: Fixture): Record<string, string> {
  return { linkId: f.linkId, linkCode: f.linkCode, payoutId: f.payoutId, claimId: f.claimId ?? f.missingId, orderId: f.orderId, paidOrderId: f.paidOrderId };
}

function check(outcome: Outcome, status: number): boolean {
  switch (outcome) {
    case 401:
      return status === 401;
    case 'ok':
      return status >= 200 && status < 300;
    case 'pass':
      return status !== 401 && status !== 403 && status < 500;
    case 'deny':
      return status === 403;
    case 'hidden':
      return status === 404;
    case 'any':
      return status < 500;
  }
}

useTestDatabase();
const app = buildTestApp();
const routes = app.api.routes.map((r) => ({ key: `${r.method.toUpperCase()} ${r.path}`, route: r }));
let fixture: Fixture;

beforeAll(async () => {
  fixture = await buildFixture(app);
}, 60_000);

describe('authorization matrix', () => {
  it('states a policy for every route (a new route without a policy fails here)', () => {
    const missing = routes.filter((r) => !POLICIES[r.key]).map((r) => r.key);
    expect(missing).toEqual([]);
    const stale = Object.keys(POLICIES).filter((k) => !routes.some((r) => r.key === k));
    expect(stale).toEqual([]);
  });

  it.each(routes.map((r) => [r.key, r.route] as const))('%s', async (key, route) => {
    const policy = POLICIES[key];
    if (!policy) return; // reported by the test above
    const failures: string[] = [];
    for (const caller of CALLERS) {
      const role = fixture.roles[caller];
      let expected: Outcome | undefined;
      if (route.access !== 'public' && !role) expected = 401;
      else if (route.access !== 'public' && role && !route.access.includes(role)) expected = 'deny';
      else expected = policy.expect[caller];
      if (expected === undefined) {
        failures.push(`${caller}: no expectation stated`);
        continue;
      }
      const query = policy.query ? `?${new URLSearchParams(policy.query(fixture)).toString()}` : '';
      const url = `/api/v1${fillPath(route.path, policy.params?.(fixture) ?? {})}${query}`;
      let req = app.http[route.method](url).set(fixture.headers[caller]);
      const body = policy.body?.(fixture, caller);
      if (body !== undefined) req = req.send(body as object);
      const res = await req;
      const good = check(expected, res.status);
      if (!good) failures.push(`${caller}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body?.error ?? '').slice(0, 160)}`);
      if (res.status >= 400 && res.type === 'application/json') {
        if (typeof res.body?.error?.code !== 'string') failures.push(`${caller}: error without a code`);
      }
      if (caller === 'otherReseller') {
        const text = res.type === 'application/json' ? JSON.stringify(res.body) : '';
        for (const [name, secret] of Object.entries(resellerSecrets(fixture))) {
          if (text.includes(secret)) failures.push(`otherReseller: the answer contains the reseller's ${name}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("another reseller of the same shop sees none of the reseller's links, earnings, payouts or claims — only their own", async () => {
    const other = fixture.headers.otherReseller;
    const mine = fixture.otherResellerRecords;
    const ids = (res: { body: { data: Array<{ id: string }> } }): string[] => res.body.data.map((r) => r.id);

    const links = await app.http.get('/api/v1/links').set(other);
    expect(links.status).toBe(200);
    expect(ids(links)).toContain(mine.linkId);
    expect(ids(links)).not.toContain(fixture.linkId);

    // The reseller has Rp 10.500 earned in the shop (10.000 of it in the payout); the other nothing.
    const resellerEarnings = await app.http.get('/api/v1/me/earnings').set(fixture.headers.reseller);
    expect(resellerEarnings.body.data).toEqual([expect.objectContaining({ shopId: fixture.shopId, reserved: 10_000 })]);
    expect((await app.http.get('/api/v1/me/earnings').set(other)).body.data).toEqual([]);
    const entries = await app.http.get(`/api/v1/me/earnings/${fixture.shopId}/entries`).set(other);
    expect([entries.status, entries.body.data]).toEqual([200, []]);

    for (const url of ['/api/v1/payouts', `/api/v1/payouts?shopId=${fixture.shopId}`]) {
      const payouts = await app.http.get(url).set(other);
      expect([payouts.status, payouts.body.data]).toEqual([200, []]);
    }
    const claims = await app.http.get(`/api/v1/claims?shopId=${fixture.shopId}`).set(other);
    expect(claims.status).toBe(200);
    expect(ids(claims)).toContain(mine.claimId);
    expect(ids(claims)).not.toContain(fixture.claimId);

    // Acting on the reseller's real records: refused, and nothing changes.
    const link = await app.http.patch(`/api/v1/links/${fixture.linkId}`).set(other).send({ active: false });
    expect([link.status, link.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const receipt = await app.http.get(`/api/v1/claims/${fixture.claimId}/receipt`).set(other);
    expect(receipt.status).toBe(404);
    const decide = await app.http.patch(`/api/v1/payouts/${fixture.payoutId}`).set(other).send({ status: 'rejected' });
    expect(decide.status).toBe(403);
    const stillActive = await app.http.get('/api/v1/links').set(fixture.headers.reseller);
    expect(stillActive.body.data.find((l: { id: string }) => l.id === fixture.linkId)).toMatchObject({ active: true });

    // Stats: the other reseller's own view has none of the reseller's clicks, orders or links.
    const stats = await app.http.get('/api/v1/me/stats?by=link').set(other);
    expect(stats.status).toBe(200);
    expect(stats.body.data.totals).toMatchObject({ orders: 0, revenue: 0, commission: 0 });
    expect(JSON.stringify(stats.body.data)).not.toContain(fixture.linkId);
  });

  it("another shop's owner cannot decide the reseller's real payout, order, claim or membership", async () => {
    const other = fixture.headers.otherOwner;
    const calls: Array<[string, string, object]> = [
      ['patch', `/api/v1/payouts/${fixture.payoutId}`, { status: 'rejected' }],
      ['patch', `/api/v1/orders/${fixture.paidOrderId}`, { status: 'refunded' }],
      ['patch', `/api/v1/memberships/${fixture.membershipId}`, { status: 'blocked' }],
      ['patch', `/api/v1/claims/${fixture.otherResellerRecords.claimId}`, { status: 'confirmed' }],
    ];
    for (const [method, url, body] of calls) {
      const res = await app.http[method as 'patch'](url).set(other).send(body);
      expect([url, res.status]).toEqual([url, 403]);
    }
    // The payout is still there for the right owner to decide.
    const payouts = await app.http.get(`/api/v1/payouts?shopId=${fixture.shopId}`).set(fixture.headers.owner);
    expect(payouts.body.data.find((p: { id: string }) => p.id === fixture.payoutId)).toMatchObject({ status: expect.stringMatching(/^(requested|approved)$/) });
    const order = await app.http.get(`/api/v1/orders/${fixture.paidOrderId}`).set(fixture.headers.owner);
    expect(order.body.data.status).toBe('fulfilled');
  });
});
