import jwt from 'jsonwebtoken';
import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildEmail, buildOwner, buildPhone, buildReseller } from '../../../test/factories';

useTestDatabase();
const app = buildTestApp();

describe('registration', () => {
  it('registers an owner, normalising email and phone', async () => {
    const email = buildEmail('Owner').toUpperCase();
    const res = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'Bu Sari', email: `  ${email} `, phone: '0812-3456-7890', password: 'rahasia-123', role: 'owner' });
    expect(res.status).toBe(201);
    expect(res.body.data.user).toMatchObject({ email: email.toLowerCase(), phone: '+6281234567890', role: 'owner' });
    expect(res.body.data.user).not.toHaveProperty('passwordHash');
    expect(typeof res.body.data.accessToken).toBe('string');
  });

  it('accepts 628… and +628… phone forms and rejects others with the field named', async () => {
    const ok = await buildOwner(app, { phone: '6281299998888' });
    expect(ok.user.phone).toBe('+6281299998888');
    const bad = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'X', email: buildEmail(), phone: '12345', password: 'rahasia-123', role: 'owner' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.phone' })]));
  });

  it('refuses a duplicate email with 409 EMAIL_TAKEN, even when two registrations race', async () => {
    const email = buildEmail();
    const body = { name: 'A', email, phone: buildPhone(), password: 'rahasia-123', role: 'owner' };
    const results = await Promise.all([1, 2, 3].map(() => app.http.post('/api/v1/auth/register').send(body)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('EMAIL_TAKEN');
  });

  it('requires a segment for resellers and rejects unknown keys and operator injection', async () => {
    const noSegment = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email: buildEmail(), phone: buildPhone(), password: 'rahasia-123', role: 'reseller' });
    expect(noSegment.status).toBe(400);
    expect(noSegment.body.error.details[0].path).toBe('body.segment');
    const unknown = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email: buildEmail(), phone: buildPhone(), password: 'rahasia-123', role: 'owner', isAdmin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toContain('isAdmin');
    const admin = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email: buildEmail(), phone: buildPhone(), password: 'rahasia-123', role: 'admin' });
    expect(admin.status).toBe(400);
    const injected = await app.http.post('/api/v1/auth/login').send({ email: { $gt: '' }, password: 'x' });
    expect(injected.status).toBe(400);
    expect(injected.body.error.details[0].path).toBe('body.email.$gt');
  });

  it('links a reseller to the upline whose invite code they used; owners have no invite', async () => {
    const upline = await buildReseller(app, { segment: 'influencer' });
    expect(upline.user.inviteCode).toMatch(/^[2-9a-zA-Z]{8}$/);
    const downline = await buildReseller(app, { invite: upline.user.inviteCode });
    expect(downline.user.uplineId).toBe(upline.user.id);
    const owner = await buildOwner(app);
    const viaOwner = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email: buildEmail(), phone: buildPhone(), password: 'rahasia-123', role: 'reseller', segment: 'buzzer', invite: 'zzzzzzzz' });
    expect(viaOwner.status).toBe(400);
    expect(viaOwner.body.error.code).toBe('INVITE_INVALID');
    expect(owner.user).not.toHaveProperty('inviteCode');
  });
});

describe('login, me, refresh, logout', () => {
  it('logs in with the right password only, with the same error for unknown emails', async () => {
    const user = await buildOwner(app);
    const wrong = await app.http.post('/api/v1/auth/login').send({ email: user.user.email, password: 'salah-sekali' });
    const unknown = await app.http.post('/api/v1/auth/login').send({ email: buildEmail(), password: 'salah-sekali' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    const ok = await app.http.post('/api/v1/auth/login').send({ email: user.user.email, password: user.password });
    expect(ok.status).toBe(200);
    const me = await app.http.get('/api/v1/me').set('Authorization', `Bearer ${ok.body.data.accessToken}`);
    expect(me.body.data).toMatchObject({ id: user.user.id, role: 'owner' });
  });

  it('rejects missing, forged, alg:none, expired and refresh-as-access tokens with distinct codes', async () => {
    const user = await buildOwner(app);
    const { jwtSecret } = app.deps.config;
    const missing = await app.http.get('/api/v1/me');
    expect([missing.status, missing.body.error.code]).toEqual([401, 'TOKEN_MISSING']);
    const forged = jwt.sign({ sub: user.user.id, role: 'admin', typ: 'access' }, 'not-the-secret-but-long-enough-to-sign');
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${forged}`)).body.error.code).toBe('TOKEN_INVALID');
    const none = jwt.sign({ sub: user.user.id, role: 'admin', typ: 'access' }, '', { algorithm: 'none' });
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${none}`)).body.error.code).toBe('TOKEN_INVALID');
    const expired = jwt.sign({ sub: user.user.id, role: 'owner', typ: 'access', exp: Math.floor(Date.now() / 1000) - 10 }, jwtSecret);
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${expired}`)).body.error.code).toBe('TOKEN_EXPIRED');
    const wrongType = jwt.sign({ sub: user.user.id, role: 'owner', typ: 'refresh' }, jwtSecret);
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${wrongType}`)).body.error.code).toBe('TOKEN_WRONG_TYPE');
    const opaque = await app.http.get('/api/v1/me').set('Authorization', `Bearer ${user.refreshToken}`);
    expect([opaque.status, opaque.body.error.code]).toEqual([401, 'TOKEN_INVALID']);
  });

  it('rotates refresh tokens; reusing an old one revokes the whole family', async () => {
    const user = await buildOwner(app);
    const first = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.data.refreshToken).not.toBe(user.refreshToken);
    const reuse = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
    expect([reuse.status, reuse.body.error.code]).toEqual([401, 'REFRESH_TOKEN_REUSED']);
    const afterRevoke = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: first.body.data.refreshToken });
    expect(afterRevoke.status).toBe(401);
  });

  it('lets exactly one of two concurrent refreshes win and revokes the family', async () => {
    const user = await buildOwner(app);
    const [a, b] = await Promise.all([
      app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
      app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 401]);
    const winner = a.status === 200 ? a : b;
    const loser = a.status === 200 ? b : a;
    expect(loser.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    const next = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: winner.body.data.refreshToken });
    expect(next.status).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const user = await buildOwner(app);
    expect((await app.http.post('/api/v1/auth/logout').send({ refreshToken: user.refreshToken })).status).toBe(200);
    const res = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
    expect(res.status).toBe(401);
  });

  it('rate-limits login with 429 and Retry-After', async () => {
    const limited = buildTestApp({ rateLimitAuthPerMinute: 3 });
    const attempts = [];
    for (let i = 0; i < 4; i += 1) attempts.push(await limited.http.post('/api/v1/auth/login').send({ email: buildEmail(), password: 'x' }));
    expect(attempts.slice(0, 3).every((r) => r.status === 401)).toBe(true);
    expect(attempts[3]!.status).toBe(429);
    expect(attempts[3]!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(attempts[3]!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
