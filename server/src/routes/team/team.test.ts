import type { TeamMember } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../../test/harness';
import { buildOwner, buildReseller, type Registered } from '../../../test/factories';
import { buildSalesShop, buildSeller, checkout, type SalesShop } from '../../../test/sales';

useTestDatabase();

let app: TestApp;
let upline: Registered;
let sales: SalesShop;

beforeAll(async () => {
  app = buildTestApp();
  upline = await buildReseller(app, { name: 'Rina Upline', segment: 'influencer' });
  sales = await buildSalesShop(app);
});

afterAll(() => app.deps.lifecycle.shutdown());

const team = (who: Registered, query: Record<string, string | number> = {}) => app.http.get('/api/v1/me/team').query(query).set(who.auth);

describe('GET /me/team', () => {
  it('lists exactly the direct downline, with segment, join date and this month’s sales', async () => {
    const inviteCode = upline.user.inviteCode!;
    const seller = await buildSeller(app, sales, { segment: 'buzzer', invite: inviteCode });
    const quiet = await buildReseller(app, { name: 'Dewi Downline', segment: 'follower', invite: inviteCode });
    // Not in the team: someone without an invite, and the downline's own downline (a third tier earns the upline nothing).
    await buildReseller(app, { name: 'Orang Lain' });
    await buildReseller(app, { name: 'Cucu Tim', invite: quiet.user.inviteCode! });

    // A sale by the downline this month: 2 × Rp 25.000, buzzer 5% = Rp 2.500.
    const res = await checkout(app, sales.product.id, { quantity: 2, ref: seller.code });
    expect(res.status).toBe(201);
    await app.deps.rollups.flush();

    const got = await team(upline);
    expect(got.status).toBe(200);
    const rows = got.body.data as TeamMember[];
    expect(rows.map((m) => m.name)).toEqual(['Dewi Downline', 'Rina Reseller']);
    const [dewi, rina] = rows as [TeamMember, TeamMember];
    expect(dewi).toMatchObject({ id: quiet.user.id, segment: 'follower', month: { orders: 0, revenue: 0, commission: 0 } });
    expect(rina).toMatchObject({ id: seller.user.id, segment: 'buzzer', month: { orders: 1, revenue: 50_000, commission: 2_500 } });
    expect(Math.abs(Date.parse(rina.joinedAt) - Date.now())).toBeLessThan(60_000);
    expect(rina.month.label).toMatch(/^\d{4}-\d{2}$/);
    // Nothing private about the downline leaves the server.
    expect(JSON.stringify(got.body)).not.toMatch(/email|phone|passwordHash/);
    expect(got.body.page).toEqual({ next: null });
  });

  it('pages with a cursor, newest first, without repeating anyone', async () => {
    const leader = await buildReseller(app, { name: 'Pemimpin' });
    const names = ['Satu', 'Dua', 'Tiga'];
    for (const name of names) await buildReseller(app, { name, invite: leader.user.inviteCode! });
    const first = await team(leader, { limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.data.map((m: TeamMember) => m.name)).toEqual(['Tiga', 'Dua']);
    expect(first.body.page.next).toEqual(expect.any(String));
    const second = await team(leader, { limit: 2, cursor: first.body.page.next });
    expect(second.body.data.map((m: TeamMember) => m.name)).toEqual(['Satu']);
    expect(second.body.page.next).toBeNull();
  });

  it('is empty for a reseller nobody joined through', async () => {
    const alone = await buildReseller(app);
    const res = await team(alone);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], page: { next: null } });
  });

  it('is for resellers only, and refuses bad paging input with a named field', async () => {
    const owner = await buildOwner(app);
    expect((await team(owner)).status).toBe(403);
    expect((await app.http.get('/api/v1/me/team')).status).toBe(401);
    const bad = await team(upline, { cursor: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.cursor');
    const tooMany = await team(upline, { limit: 1000 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('query.limit');
  });
});
