import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { buildTestApp, useTestDatabase } from '../../../test/harness';
import { buildEmail, buildOwner, buildPhone, buildReseller } from '../../../test/factories';
import { UserModel } from '../../models/User';
import { RefreshFamilyModel, RefreshTokenModel } from '../../models/RefreshToken';

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
    expect(owner.user).not.toHaveProperty('inviteCode');
    const unknown = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email: buildEmail(), phone: buildPhone(), password: 'rahasia-123', role: 'reseller', segment: 'buzzer', invite: 'zzzzzzzz' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('INVITE_INVALID');
  });

  it("refuses a shop owner's real invite code: uplines are resellers only", async () => {
    const owner = await buildOwner(app);
    // Every account has a code in the database (unique index), even though owners are never shown theirs.
    const ownerCode = (await UserModel.findById(owner.user.id).lean())!.inviteCode;
    expect(ownerCode).toMatch(/^[2-9a-zA-Z]{8}$/);
    const email = buildEmail();
    const res = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email, phone: buildPhone(), password: 'rahasia-123', role: 'reseller', segment: 'buzzer', invite: ownerCode });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVITE_INVALID', details: [{ path: 'body.invite' }] });
    expect(await UserModel.exists({ email })).toBeNull();
  });

  it('refuses a self-invite: a second reseller account on the inviter’s phone, in any spelling', async () => {
    const upline = await buildReseller(app, { phone: '081377770001' });
    for (const phone of ['081377770001', '+6281377770001', '62 813-7777-0001']) {
      const email = buildEmail('second');
      const res = await app.http
        .post('/api/v1/auth/register')
        .send({ name: 'Me Again', email, phone, password: 'rahasia-123', role: 'reseller', segment: 'buzzer', invite: upline.user.inviteCode });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVITE_INVALID', message: 'You cannot invite yourself', details: [{ path: 'body.invite' }] });
      expect(await UserModel.exists({ email })).toBeNull();
    }
    expect(await UserModel.countDocuments({ uplineId: upline.user.id })).toBe(0);
  });

  it('allows one reseller account per phone (even when registrations race), while an owner may share the number', async () => {
    const phone = buildPhone();
    const first = await buildReseller(app, { phone });
    const again = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'R', email: buildEmail(), phone, password: 'rahasia-123', role: 'reseller', segment: 'follower' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'PHONE_TAKEN', details: [{ path: 'body.phone' }] });
    const owner = await buildOwner(app, { phone });
    expect(owner.user.phone).toBe(first.user.phone);

    const racedPhone = buildPhone();
    const raced = await Promise.all(
      [1, 2, 3].map(() =>
        app.http
          .post('/api/v1/auth/register')
          .send({ name: 'R', email: buildEmail('race'), phone: racedPhone, password: 'rahasia-123', role: 'reseller', segment: 'buzzer' }),
      ),
    );
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(raced.filter((r) => r.status === 409).every((r) => r.body.error.code === 'PHONE_TAKEN')).toBe(true);
  });

  it('never forms an upline cycle: chains only grow downwards and no endpoint accepts an upline', async () => {
    const chain = [await buildReseller(app)];
    for (let i = 0; i < 4; i += 1) chain.push(await buildReseller(app, { invite: chain[chain.length - 1]!.user.inviteCode }));
    for (const member of chain) {
      const seen = new Set<string>();
      let id: string | undefined = member.user.id;
      while (id) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
        const doc: { uplineId?: unknown } | null = await UserModel.findById(id, { uplineId: 1 }).lean();
        id = doc?.uplineId ? String(doc.uplineId) : undefined;
      }
      expect(seen.size).toBe(chain.indexOf(member) + 1);
    }
    // The top of the chain cannot be re-parented under its own downline: the code only links new accounts.
    const top = chain[0]!;
    const retry = await app.http
      .post('/api/v1/auth/register')
      .send({ name: 'Top', email: top.user.email, phone: top.user.phone, password: 'rahasia-123', role: 'reseller', segment: 'buzzer', invite: chain[4]!.user.inviteCode });
    expect([retry.status, retry.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
    expect((await UserModel.findById(top.user.id).lean())!.uplineId).toBeUndefined();
    // No route body anywhere carries an upline (uplineBp is a commission rate), so nothing can rewrite one after registration.
    for (const route of app.api.routes) {
      if (route.body) expect(JSON.stringify(z.toJSONSchema(route.body, { unrepresentable: 'any', io: 'input' }))).not.toMatch(/"upline(Id)?"/i);
    }
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

  it('rejects missing, alg:none, wrongly signed, expired and refresh-as-access tokens with 401 and distinct codes', async () => {
    const user = await buildOwner(app);
    const { jwtSecret } = app.deps.config;
    const call = async (token?: string): Promise<[number, string]> => {
      const req = app.http.get('/api/v1/me');
      const res = await (token === undefined ? req : req.set('Authorization', `Bearer ${token}`));
      return [res.status, res.body.error?.code];
    };
    const claims = { sub: user.user.id, role: 'admin', typ: 'access' };
    const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: Record<string, string> = {
      none: jwt.sign(claims, '', { algorithm: 'none' }),
      // `alg: none` with a dummy signature, and key confusion: HS512 signed with the real secret.
      noneSigned: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: 9_999_999_999 })}.c2ln`,
      hs512: jwt.sign(claims, jwtSecret, { algorithm: 'HS512' }),
      forged: jwt.sign(claims, 'not-the-secret-but-long-enough-to-sign'),
      expired: jwt.sign({ ...claims, role: 'owner', exp: Math.floor(Date.now() / 1000) - 10 }, jwtSecret),
      refreshJwt: jwt.sign({ ...claims, role: 'owner', typ: 'refresh' }, jwtSecret),
      otherType: jwt.sign({ ...claims, role: 'owner', typ: 'id' }, jwtSecret),
      malformed: 'abc.def',
    };
    expect(await call()).toEqual([401, 'TOKEN_MISSING']);
    expect(await call(cases.none)).toEqual([401, 'TOKEN_ALG_REJECTED']);
    expect(await call(cases.noneSigned)).toEqual([401, 'TOKEN_ALG_REJECTED']);
    expect(await call(cases.hs512)).toEqual([401, 'TOKEN_ALG_REJECTED']);
    expect(await call(cases.forged)).toEqual([401, 'TOKEN_SIGNATURE_INVALID']);
    expect(await call(cases.expired)).toEqual([401, 'TOKEN_EXPIRED']);
    // The real (opaque) refresh token, and a JWT that says it is one.
    expect(await call(user.refreshToken)).toEqual([401, 'REFRESH_TOKEN_AS_ACCESS']);
    expect(await call(cases.refreshJwt)).toEqual([401, 'REFRESH_TOKEN_AS_ACCESS']);
    expect(await call(cases.otherType)).toEqual([401, 'TOKEN_WRONG_TYPE']);
    expect(await call(cases.malformed)).toEqual([401, 'TOKEN_INVALID']);
    // A reused refresh token, the fifth kind, at the refresh endpoint.
    const rotated = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
    expect(rotated.status).toBe(200);
    const reused = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
    expect([reused.status, reused.body.error.code]).toEqual([401, 'REFRESH_TOKEN_REUSED']);
    // The five the issue names are all different.
    const codes = [(await call(cases.none))[1], (await call(cases.forged))[1], (await call(cases.expired))[1], (await call(user.refreshToken))[1], reused.body.error.code];
    expect(new Set(codes).size).toBe(5);
    // And the good token still works.
    expect((await call(rotated.body.data.accessToken))[0]).toBe(200);
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

  it('finds refresh tokens and their families by _id: refresh, reuse and logout send no filter query over them (a full scan on FerretDB)', async () => {
    const user = await buildOwner(app);
    const filters: string[][] = [];
    for (const model of [RefreshTokenModel, RefreshFamilyModel] as const) {
      for (const method of ['findOne', 'findOneAndUpdate', 'updateOne'] as const) {
        const real = (model[method] as (...args: unknown[]) => unknown).bind(model);
        jest.spyOn(model, method).mockImplementation(((filter: Record<string, unknown>, ...rest: unknown[]) => {
          filters.push(Object.keys(filter ?? {}));
          return real(filter, ...rest);
        }) as never);
      }
    }
    try {
      const rotated = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
      expect(rotated.status).toBe(200);
      expect((await app.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken })).body.error.code).toBe('REFRESH_TOKEN_REUSED');
      expect((await app.http.post('/api/v1/auth/logout').send({ refreshToken: rotated.body.data.refreshToken })).status).toBe(200);
    } finally {
      jest.restoreAllMocks();
    }
    // (findById goes through findOne with a bare `_id` filter: that is the index lookup.)
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.filter((keys) => keys.join() !== '_id')).toEqual([]);
  });

  it('a refresh token stored before its id was derived from its hash still rotates once, and its reuse revokes the family', async () => {
    const user = await buildOwner(app);
    const family = (await RefreshFamilyModel.findOne({ userId: user.user.id }).lean())!;
    const legacy = 'rt_legacy-token-issued-before-the-upgrade';
    await RefreshTokenModel.create({
      tokenHash: crypto.createHash('sha256').update(legacy).digest('hex'),
      familyId: family._id,
      userId: user.user.id,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const rotated = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: legacy });
    expect(rotated.status).toBe(200);
    const reuse = await app.http.post('/api/v1/auth/refresh').send({ refreshToken: legacy });
    expect([reuse.status, reuse.body.error.code]).toEqual([401, 'REFRESH_TOKEN_REUSED']);
    expect((await app.http.post('/api/v1/auth/refresh').send({ refreshToken: rotated.body.data.refreshToken })).status).toBe(401);
    expect((await app.http.post('/api/v1/auth/refresh').send({ refreshToken: 'rt_never-issued' })).body.error.code).toBe('REFRESH_TOKEN_INVALID');
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

describe('auth rate limits', () => {
  it('gives refresh its own bucket: silent refreshes behind one NAT address do not lock out sign-ins, and vice versa', async () => {
    const limited = buildTestApp({ rateLimitAuthPerMinute: 2, rateLimitRefreshPerMinute: 4 });
    const user = await buildOwner(app);
    const login = () => limited.http.post('/api/v1/auth/login').send({ email: user.user.email, password: user.password });
    const first = await login();
    expect(first.status).toBe(200);
    let token = first.body.data.refreshToken as string;
    for (let i = 0; i < 4; i += 1) {
      const res = await limited.http.post('/api/v1/auth/refresh').send({ refreshToken: token });
      expect(res.status).toBe(200);
      token = res.body.data.refreshToken;
    }
    const tooMany = await limited.http.post('/api/v1/auth/refresh').send({ refreshToken: token });
    expect(tooMany.status).toBe(429);
    expect(Number(tooMany.headers['retry-after'])).toBeGreaterThan(0);
    // Four refreshes spent nothing of the login bucket.
    expect((await login()).status).toBe(200);
    const third = await login();
    expect([third.status, third.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  });

  it('throttles failed logins per account from any IP, with Retry-After, and leaves other accounts alone', async () => {
    // Each request from its own address: the per-IP limit alone would never stop this guesser.
    const throttled = buildTestApp({ trustProxy: true, loginFailuresPerAccount: 3, loginFailureWindowMinutes: 15 });
    const user = await buildOwner(app);
    let ip = 0;
    const attempt = (email: string, password: string) =>
      throttled.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `10.0.${Math.floor(++ip / 250)}.${ip % 250}`)
        .send({ email, password });
    for (let i = 0; i < 3; i += 1) expect((await attempt(user.user.email, 'salah-sekali')).status).toBe(401);
    const blocked = await attempt(user.user.email, 'salah-sekali');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'account' } });
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Even the right password waits: the guesser must not learn it was right.
    expect((await attempt(user.user.email, user.password)).status).toBe(429);
    // Another account (and an email with no account, treated the same) is unaffected.
    const other = await buildOwner(app);
    expect((await attempt(other.user.email, other.password)).status).toBe(200);
    expect((await attempt(buildEmail('nobody'), 'salah-sekali')).status).toBe(401);
  });

  it('counts concurrent guesses before checking them, so a burst cannot slip past the limit', async () => {
    const throttled = buildTestApp({ loginFailuresPerAccount: 5 });
    const user = await buildOwner(app);
    const burst = await Promise.all(Array.from({ length: 20 }, () => throttled.http.post('/api/v1/auth/login').send({ email: user.user.email, password: 'salah-sekali' })));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('clears an account’s failures when the right password is given', async () => {
    const throttled = buildTestApp({ loginFailuresPerAccount: 3 });
    const user = await buildOwner(app);
    const wrong = () => throttled.http.post('/api/v1/auth/login').send({ email: user.user.email, password: 'salah-sekali' });
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(401);
    expect((await throttled.http.post('/api/v1/auth/login').send({ email: user.user.email, password: user.password })).status).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(429);
  });
});
