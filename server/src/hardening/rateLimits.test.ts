import { buildTestApp, useTestDatabase } from '../../test/harness';

/**
 * Abuse limits per client IP: login, register, checkout, conversions and `/r/` answer 429 with
 * Retry-After once a client goes over. Outside NODE_ENV=test the public order limits are the real
 * ones, so this app runs as `development`; limited requests use bodies that fail validation
 * (the limiter runs first), which keeps the test fast and writes nothing.
 */
useTestDatabase();
const app = buildTestApp({ env: 'development', rateLimitAuthPerMinute: 3, rateLimitRedirectPerMinute: 3 });

async function hitUntilLimited(send: () => Promise<{ status: number; headers: Record<string, string>; body: { error?: { code?: string } } }>, max: number) {
  for (let i = 0; i < max; i += 1) {
    const res = await send();
    if (res.status === 429) return { res, after: i };
  }
  throw new Error(`no 429 after ${max} requests`);
}

function expectLimited(res: { status: number; headers: Record<string, string>; body: { error?: { code?: string } } }): void {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
}

describe('rate limits', () => {
  it('limits login and register to the configured rate, with Retry-After', async () => {
    const login = await hitUntilLimited(() => app.http.post('/api/v1/auth/login').send({ email: 'a@b.id', password: 'salah-sekali' }), 10);
    expect(login.after).toBe(3);
    expectLimited(login.res);
    expect(login.res.body.error?.code).toBe('RATE_LIMITED');
    // Same bucket for the whole auth family: register is refused too.
    const register = await app.http.post('/api/v1/auth/register').send({});
    expectLimited(register);
  });

  it('limits public checkouts per IP', async () => {
    const { res, after } = await hitUntilLimited(() => app.http.post('/api/v1/checkout').send({ productId: 'nope' }), 200);
    expect(after).toBeGreaterThan(0);
    expectLimited(res);
    expect(res.body.error?.code).toBe('RATE_LIMITED');
  });

  it('limits the conversion API per IP', async () => {
    const { res } = await hitUntilLimited(() => app.http.post('/api/v1/conversions').send({}), 1000);
    expectLimited(res);
  });

  it('limits /r/ per IP without a database trip, with Retry-After', async () => {
    const { res, after } = await hitUntilLimited(() => app.http.get('/r/abcdefgh23'), 10);
    expect(after).toBe(3);
    expectLimited(res);
  });
});
