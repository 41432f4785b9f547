import { buildTestApp, useTestDatabase } from '../test/harness';

useTestDatabase();
const app = buildTestApp();

describe('the HTTP error model', () => {
  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await app.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'MALFORMED_JSON', message: expect.any(String) } });
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await app.http.get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('refuses oversized bodies with 413 and prototype-pollution keys with 400', async () => {
    const big = await app.http.post('/api/v1/auth/login').send({ email: 'a@b.id', password: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);
    const proto = await app.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"email":"a@b.id","password":"x","__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
    expect(proto.body.error.details[0].path).toBe('body.__proto__');
  });

  it('sets a request id and security headers', async () => {
    const res = await app.http.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('reports readiness when the database answers', async () => {
    const res = await app.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.data.database).toBe('up');
  });

  it('publishes an OpenAPI document generated from the routes', async () => {
    const res = await app.http.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.0.3');
    const register = res.body.paths['/api/v1/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.properties).toHaveProperty('segment');
    expect(res.body.paths['/api/v1/me'].get.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('behind the proxy (TRUST_PROXY=true)', () => {
  it('takes the client address from the entry our proxy appended, so a client-written X-Forwarded-For cannot dodge the rate limit', async () => {
    const proxied = buildTestApp({ trustProxy: true, rateLimitAuthPerMinute: 2 });
    const login = (forwardedFor: string) => proxied.http.post('/api/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ email: 'a@b.id', password: 'salah-sekali' });
    // The client makes up the left part anew each time; nginx appends the address it really saw.
    expect((await login('1.1.1.1, 203.0.113.7')).status).toBe(401);
    expect((await login('2.2.2.2, 203.0.113.7')).status).toBe(401);
    expect((await login('3.3.3.3, 203.0.113.7')).status).toBe(429);
    // A different real client has its own bucket.
    expect((await login('3.3.3.3, 198.51.100.9')).status).toBe(401);
  });

  it('ignores X-Forwarded-For entirely when TRUST_PROXY is off', async () => {
    const direct = buildTestApp({ trustProxy: false, rateLimitAuthPerMinute: 2 });
    const login = (forwardedFor: string) => direct.http.post('/api/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ email: 'a@b.id', password: 'salah-sekali' });
    expect((await login('203.0.113.1')).status).toBe(401);
    expect((await login('203.0.113.2')).status).toBe(401);
    expect((await login('203.0.113.3')).status).toBe(429);
  });
});
