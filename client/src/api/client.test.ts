import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthSession } from '@tular/shared';
import { api, request, setFetch } from './client';
import { ApiError } from './errors';
import { sessionStore } from './session';

const user = { id: 'u1', name: 'Rani', email: 'rani@example.com', phone: '+6281234567890', role: 'reseller' as const, segment: 'follower' as const };
const session = (n: number): AuthSession => ({ user, accessToken: `access-${n}`, refreshToken: `refresh-${n}-0123456789` });

interface Call {
  url: string;
  auth: string | null;
  body: unknown;
}

/** A fake API: access token N is valid only while it is the newest; refresh rotates the pair. */
function fakeServer(opts: { refreshFails?: boolean } = {}) {
  let current = 1;
  const calls: Call[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  setFetch(async (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ url, auth: headers.get('Authorization'), body });
    await new Promise((r) => setTimeout(r, 1));
    if (url.endsWith('/auth/refresh')) {
      if (opts.refreshFails || body.refreshToken !== `refresh-${current}-0123456789`) {
        return json(401, { error: { code: 'REFRESH_TOKEN_REUSED', message: 'reused' } });
      }
      current += 1;
      return json(200, { data: session(current) });
    }
    if (headers.get('Authorization') !== `Bearer access-${current}`) return json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } });
    return json(200, { data: { ok: true, url } });
  });
  return { calls };
}

describe('silent session refresh', () => {
  beforeEach(() => sessionStore.set(session(1)));
  afterEach(() => sessionStore.set(null));

  it('refreshes once on TOKEN_EXPIRED and retries the request with the new token', async () => {
    const server = fakeServer();
    // The client's access token is stale while its refresh token is still the valid one.
    sessionStore.set({ ...session(1), accessToken: 'access-stale' });
    const data = await api.get<{ ok: boolean }>('/me');
    expect(data.ok).toBe(true);
    expect(server.calls.map((c) => c.url)).toEqual(['/api/v1/me', '/api/v1/auth/refresh', '/api/v1/me']);
    expect(sessionStore.get()?.accessToken).toBe('access-2');
  });

  it('shares one refresh between parallel requests (a second refresh would look like token reuse)', async () => {
    const server = fakeServer();
    sessionStore.set({ ...session(1), accessToken: 'access-stale' });
    const results = await Promise.all([api.get('/a'), api.get('/b'), api.get('/c')]);
    expect(results).toHaveLength(3);
    expect(server.calls.filter((c) => c.url.endsWith('/auth/refresh'))).toHaveLength(1);
  });

  it('signs out when the refresh token is refused, and surfaces the original error', async () => {
    fakeServer({ refreshFails: true });
    sessionStore.set({ ...session(1), accessToken: 'access-stale' });
    await expect(request('/me')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
    expect(sessionStore.get()).toBeNull();
  });

  it('does not send the token to public calls marked auth:false', async () => {
    const server = fakeServer();
    await api.post('/checkout', { productId: 'x' }, { auth: false }).catch(() => undefined);
    expect(server.calls[0]?.auth).toBeNull();
  });

  it('turns a network failure into an ApiError with code NETWORK', async () => {
    setFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.get('/me')).rejects.toBeInstanceOf(ApiError);
    await expect(api.get('/me')).rejects.toMatchObject({ code: 'NETWORK' });
  });
});
