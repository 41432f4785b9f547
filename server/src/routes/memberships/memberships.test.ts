import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildOwner, buildReseller, buildShop, joinShop } from '../../../test/factories';
import type { MembershipChanged } from '../../events/bus';

useTestDatabase();
const app = buildTestApp();

const events: MembershipChanged[] = [];
app.deps.bus.on('membership', (e) => events.push(e));

describe('joining a shop', () => {
  it('approves at once under an open shop, copying the reseller’s segment', async () => {
    const [owner, reseller] = await Promise.all([buildOwner(app), buildReseller(app, { segment: 'influencer' })]);
    const shop = await buildShop(app, owner);
    const res = await app.http.post(`/api/v1/shops/${shop.id}/join`).set(reseller.auth);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ shopId: shop.id, resellerId: reseller.user.id, status: 'approved', segment: 'influencer', decidedAt: expect.any(String) });
    expect(events).toContainEqual({ membershipId: res.body.data.id, shopId: shop.id, resellerId: reseller.user.id, status: 'approved' });
    const again = await app.http.post(`/api/v1/shops/${shop.id}/join`).set(reseller.auth);
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(res.body.data.id);
  });

  it('keeps a join pending under an approval shop until the owner approves; then blocks', async () => {
    const [owner, reseller] = await Promise.all([buildOwner(app), buildReseller(app, { segment: 'buzzer' })]);
    const shop = await buildShop(app, owner, { joinPolicy: 'approval' });
    const pending = await joinShop(app, reseller, shop.id);
    expect(pending).toMatchObject({ status: 'pending', decidedAt: null });

    const approved = await app.http.patch(`/api/v1/memberships/${pending.id}`).set(owner.auth).send({ status: 'approved' });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ status: 'approved', decidedAt: expect.any(String) });
    expect(events).toContainEqual({ membershipId: pending.id, shopId: shop.id, resellerId: reseller.user.id, status: 'approved' });

    const blocked = await app.http.patch(`/api/v1/memberships/${pending.id}`).set(owner.auth).send({ status: 'blocked' });
    expect(blocked.body.data.status).toBe('blocked');
    expect(events).toContainEqual({ membershipId: pending.id, shopId: shop.id, resellerId: reseller.user.id, status: 'blocked' });
    // A blocked reseller cannot rejoin their way back in.
    const rejoin = await app.http.post(`/api/v1/shops/${shop.id}/join`).set(reseller.auth);
    expect(rejoin.status).toBe(200);
    expect(rejoin.body.data.status).toBe('blocked');
    const mine = await app.http.get('/api/v1/me/memberships').set(reseller.auth);
    expect(mine.body.data).toEqual([expect.objectContaining({ id: pending.id, status: 'blocked', shop: expect.objectContaining({ id: shop.id, slug: shop.slug }) })]);
  });

  it('the factory approves an approval-shop membership when given the owner', async () => {
    const [owner, reseller] = await Promise.all([buildOwner(app), buildReseller(app)]);
    const shop = await buildShop(app, owner, { joinPolicy: 'approval' });
    expect((await joinShop(app, reseller, shop.id, owner)).status).toBe('approved');
  });

  it('collapses five concurrent joins into one membership', async () => {
    const [owner, reseller] = await Promise.all([buildOwner(app), buildReseller(app)]);
    const shop = await buildShop(app, owner);
    const results = await Promise.all(Array.from({ length: 5 }, () => app.http.post(`/api/v1/shops/${shop.id}/join`).set(reseller.auth)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
    const list = await app.http.get(`/api/v1/shops/${shop.id}/resellers`).set(owner.auth);
    expect(list.body.data).toHaveLength(1);
  });

  it('only lets resellers join, and only existing active shops', async () => {
    const [owner, other] = await Promise.all([buildOwner(app), buildOwner(app)]);
    const reseller = await buildReseller(app);
    const shop = await buildShop(app, owner);
    expect((await app.http.post(`/api/v1/shops/${shop.id}/join`).set(other.auth)).status).toBe(403);
    expect((await app.http.post(`/api/v1/shops/${shop.id}/join`)).status).toBe(401);
    expect((await app.http.post('/api/v1/shops/0123456789abcdef01234567/join').set(reseller.auth)).status).toBe(404);
    expect((await app.http.post(`/api/v1/shops/${shop.id}/join`).set(reseller.auth).send({ status: 'approved' })).status).toBe(400);
    await app.http.patch(`/api/v1/shops/${shop.id}`).set(owner.auth).send({ active: false }).expect(200);
    expect((await app.http.post(`/api/v1/shops/${shop.id}/join`).set(reseller.auth)).status).toBe(404);
  });
});

describe('the owner’s reseller list and decisions', () => {
  it('lists resellers with name, segment, status and join date, filtered by status and paginated', async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner, { joinPolicy: 'approval' });
    const resellers = [];
    for (const segment of ['buzzer', 'influencer', 'follower'] as const) resellers.push(await buildReseller(app, { segment, name: `Reseller ${segment}` }));
    const memberships = [];
    for (const r of resellers) memberships.push(await joinShop(app, r, shop.id));
    await app.http.patch(`/api/v1/memberships/${memberships[0]!.id}`).set(owner.auth).send({ status: 'approved' }).expect(200);

    const page1 = await app.http.get(`/api/v1/shops/${shop.id}/resellers?limit=2`).set(owner.auth);
    expect(page1.status).toBe(200);
    expect(page1.body.data).toEqual([
      expect.objectContaining({ id: memberships[2]!.id, status: 'pending', segment: 'follower', joinedAt: expect.any(String), reseller: { id: resellers[2]!.user.id, name: 'Reseller follower' } }),
      expect.objectContaining({ id: memberships[1]!.id, status: 'pending', segment: 'influencer' }),
    ]);
    const page2 = await app.http.get(`/api/v1/shops/${shop.id}/resellers?limit=2&cursor=${page1.body.page.next}`).set(owner.auth);
    expect(page2.body.data.map((m: { id: string }) => m.id)).toEqual([memberships[0]!.id]);
    expect(page2.body.page.next).toBeNull();

    const pending = await app.http.get(`/api/v1/shops/${shop.id}/resellers?status=pending`).set(owner.auth);
    expect(pending.body.data.map((m: { id: string }) => m.id)).toEqual([memberships[2]!.id, memberships[1]!.id]);
    expect((await app.http.get(`/api/v1/shops/${shop.id}/resellers?status=gone`).set(owner.auth)).status).toBe(400);
  });

  it('keeps the list and decisions to the shop’s owner: another owner 403, reseller 403, anonymous 401', async () => {
    const [owner, other, reseller] = await Promise.all([buildOwner(app), buildOwner(app), buildReseller(app)]);
    const shop = await buildShop(app, owner, { joinPolicy: 'approval' });
    const membership = await joinShop(app, reseller, shop.id);
    const before = events.length;
    for (const [who, status] of [[other.auth, 403], [reseller.auth, 403], [{}, 401]] as const) {
      expect((await app.http.get(`/api/v1/shops/${shop.id}/resellers`).set(who)).status).toBe(status);
      expect((await app.http.patch(`/api/v1/memberships/${membership.id}`).set(who).send({ status: 'approved' })).status).toBe(status);
    }
    expect(events.length).toBe(before);
    const bad = await app.http.patch(`/api/v1/memberships/${membership.id}`).set(owner.auth).send({ status: 'pending' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.status');
    expect((await app.http.patch('/api/v1/memberships/0123456789abcdef01234567').set(owner.auth).send({ status: 'approved' })).status).toBe(404);
  });
});
