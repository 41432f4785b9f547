import { buildTestApp, useTestDatabase } from '../../test/harness';
import { buildFixture, CALLERS, fillPath, type CallerName, type Fixture } from './fixtures';

/**
 * The authorization matrix: every route of the API table, called as anonymous, a reseller, another
 * shop's owner, an admin and the right owner, with real records in the path. Anonymous gets 401 on
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
const everyone = (o: Outcome): Record<CallerName, Outcome> => ({ anonymous: o, reseller: o, otherOwner: o, owner: o, admin: o });
const ownerSide = { owner: 'ok', admin: 'ok', otherOwner: 'deny' } as const;
const buyer = { name: 'Siti', phone: '081298765432', address: 'Malang' };
let spare = 0;

const POLICIES: Record<string, Policy> = {
  'POST /auth/register': { expect: everyone('pass'), why: 'public; a signed-in caller may still register a new account' },
  'POST /auth/login': { expect: everyone('pass') },
  'POST /auth/refresh': { expect: everyone('pass') },
  'POST /auth/logout': { expect: everyone('pass') },
  'GET /me': { expect: { reseller: 'ok', otherOwner: 'ok', owner: 'ok', admin: 'ok' } },
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
  'POST /shops/:shopId/join': { params: shop, expect: { reseller: 'ok' } },
  'GET /shops/:shopId/resellers': { params: shop, expect: ownerSide },
  'PATCH /memberships/:id': { params: (f) => ({ id: f.membershipId }), body: () => ({ status: 'approved' }), expect: ownerSide },
  'GET /me/memberships': { expect: { reseller: 'ok' } },
  'GET /me/team': { expect: { reseller: 'ok' } },
  'GET /files/:id': { params: (f) => ({ id: f.missingId }), expect: everyone('hidden'), why: 'public photos by id; unknown id is 404' },
  'POST /links': { body: (f) => ({ productId: f.productId }), expect: { reseller: 'ok' } },
  'GET /links': { expect: { reseller: 'ok' } },
  'GET /links/:code/qr': { params: (f) => ({ code: f.linkCode }), expect: everyone('ok') },
  'PATCH /links/:id': {
    params: (f) => ({ id: f.linkId }),
    body: () => ({ active: true }),
    expect: { reseller: 'ok', owner: 'ok', admin: 'ok', otherOwner: 'deny' },
    why: 'the reseller who made it and the shop owner (moderation) may switch a link',
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
  'GET /me/earnings': { expect: { reseller: 'ok' } },
  'GET /me/earnings/:shopId/entries': { params: shop, expect: { reseller: 'ok' } },
  'GET /shops/:shopId/earnings': { params: shop, expect: ownerSide },
  'POST /payouts': {
    body: (f) => ({ shopId: f.shopId, amount: 10_000, method: 'gopay', account: { name: 'Rina', number: '081298765432' } }),
    expect: { reseller: 'pass' },
    why: 'nothing is available yet, so the request is refused on balance, not on authorization',
  },
  'GET /payouts': { query: (f) => ({ shopId: f.shopId }), expect: { reseller: 'ok', owner: 'ok', admin: 'ok', otherOwner: 'deny' } },
  'PATCH /payouts/:id': {
    params: (f) => ({ id: f.missingId }),
    body: () => ({ status: 'approved' }),
    expect: { owner: 'hidden', admin: 'hidden', otherOwner: 'hidden' },
    why: 'no payout exists in this fixture: the role check passes and the lookup answers 404',
  },
  'POST /conversions': { body: (f) => ({ productId: f.productId, quantity: 1, buyer }), expect: everyone('any'), why: 'authenticated by the shop HMAC signature, not a user token' },
  'POST /shops/:shopId/conversion-secret': { params: shop, expect: ownerSide },
  'POST /claims': { body: (f) => ({ productId: f.productId, quantity: 1, buyer: { phone: '081298765434' } }), expect: { reseller: 'ok' } },
  'GET /claims': { query: (f) => ({ shopId: f.shopId }), expect: { reseller: 'ok', owner: 'ok', admin: 'ok', otherOwner: 'deny' } },
  'PATCH /claims/:id': { params: (f) => ({ id: f.claimId ?? f.missingId }), body: () => ({ status: 'rejected' }), expect: { owner: 'pass', admin: 'ok', otherOwner: 'deny' } },
  'POST /claims/:id/receipt': { params: (f) => ({ id: f.claimId ?? f.missingId }), expect: { reseller: 'pass' } },
  'GET /claims/:id/receipt': {
    params: (f) => ({ id: f.claimId ?? f.missingId }),
    expect: { reseller: 'pass', owner: 'pass', admin: 'pass', otherOwner: 'hidden' },
    why: "another shop's claim is not revealed to exist",
  },
  'POST /products/:id/reviews': {
    params: product,
    body: () => ({ rating: 4, text: 'Mantap' }),
    expect: { anonymous: 401, otherOwner: 401, owner: 401, admin: 401, reseller: 'pass' },
    why: 'a buyer proves the purchase with the review token, a reseller by signing in as a member; anyone else is 401',
  },
  'GET /products/:id/reviews': { params: product, expect: everyone('ok') },
  'PATCH /reviews/:id': { params: (f) => ({ id: f.reviewId ?? f.missingId }), body: () => ({ hidden: true }), expect: ownerSide },
  'GET /shops/:shopId/stats': { params: shop, expect: ownerSide },
  'GET /me/stats': { expect: { reseller: 'ok' } },
  'GET /shops/:shopId/leaderboard': { params: shop, expect: { owner: 'ok', admin: 'ok', reseller: 'ok', otherOwner: 'deny' } },
  'GET /leaderboard': { expect: everyone('ok') },
  'PATCH /me/preferences': { body: () => ({ leaderboardOptOut: false }), expect: { reseller: 'ok', otherOwner: 'ok', owner: 'ok', admin: 'ok' } },
  'GET /shops/:shopId/reports/monthly': { params: shop, expect: ownerSide },
  'GET /shops/:shopId/exports/orders.csv': { params: shop, expect: ownerSide },
  'GET /shops/:shopId/exports/ledger.csv': { params: shop, expect: ownerSide },
};

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
    }
    expect(failures).toEqual([]);
  });
});
