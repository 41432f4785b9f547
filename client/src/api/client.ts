import type { AuthSession, Page } from '@tular/shared';
import { ApiError, errorFromResponse } from './errors';
import { coordinatedRefresh, crossTabLock, type RefreshAnswer, type RefreshLock } from './refreshCoordinator';
import { sessionStore } from './session';

export const API_PREFIX = '/api/v1';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Send the access token (default: whenever signed in). */
  auth?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ListPage<T> {
  data: T[];
  page: Page;
}

type Fetch = typeof fetch;
let fetchImpl: Fetch = (...args) => globalThis.fetch(...args);
/** Tests swap the transport; the app never does. */
export function setFetch(impl: Fetch): void {
  fetchImpl = impl;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const url = path.startsWith('/') && !path.startsWith(API_PREFIX) ? API_PREFIX + path : path;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

async function send(path: string, opts: RequestOptions, accessToken: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  try {
    return await fetchImpl(buildUrl(path, opts.query), {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      credentials: 'same-origin',
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'Network error');
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// One refresh at a time in this tab (parallel requests that all hit TOKEN_EXPIRED share it), and one
// across tabs (coordinatedRefresh): the token rotates, so a second refresh with the old token would
// look like reuse and revoke the whole family.
let refreshing: Promise<boolean> | null = null;
let lock: RefreshLock | null = null;

async function postRefresh(refreshToken: string): Promise<RefreshAnswer> {
  try {
    const res = await send('/auth/refresh', { method: 'POST', body: { refreshToken } }, undefined);
    const body = await readBody(res);
    if (res.ok) return { kind: 'ok', session: (body as { data: AuthSession }).data };
    // A 5xx or a rate limit says nothing about the token: keep the session and retry later.
    return res.status >= 500 || res.status === 429 ? { kind: 'offline' } : { kind: 'refused' };
  } catch {
    return { kind: 'offline' };
  }
}

/** Gets a fresh access token; `expiredAccessToken` is the one the server just refused (if known). */
export function refreshSession(expiredAccessToken?: string): Promise<boolean> {
  if (!sessionStore.get()) return Promise.resolve(false);
  lock ??= crossTabLock();
  refreshing ??= coordinatedRefresh({ store: sessionStore, lock, post: postRefresh }, expiredAccessToken).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Calls the API; returns the whole JSON body (`{data}` or `{data,page}`); throws ApiError. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const wantsAuth = opts.auth ?? true;
  let token = wantsAuth ? sessionStore.get()?.accessToken : undefined;
  let res = await send(path, opts, token);
  let body = await readBody(res);
  if (res.status === 401 && token && errorFromResponse(res.status, body).code === 'TOKEN_EXPIRED') {
    if (await refreshSession(token)) {
      token = sessionStore.get()?.accessToken;
      res = await send(path, opts, token);
      body = await readBody(res);
    }
  }
  if (!res.ok) throw errorFromResponse(res.status, body);
  return body as T;
}

export const api = {
  get: async <T>(path: string, query?: RequestOptions['query']) => (await request<{ data: T }>(path, { query })).data,
  list: <T>(path: string, query?: RequestOptions['query']) => request<ListPage<T>>(path, { query }),
  post: async <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body' | 'method'> = {}) =>
    (await request<{ data: T }>(path, { ...opts, method: 'POST', body: body ?? {} })).data,
  patch: async <T>(path: string, body: unknown) => (await request<{ data: T }>(path, { method: 'PATCH', body })).data,
  del: async <T>(path: string) => (await request<{ data: T }>(path, { method: 'DELETE' })).data,
};

/** Fetches a non-JSON resource (CSV, QR PNG) with the session, for downloads. */
export async function fetchBlob(path: string, accept: string): Promise<Blob> {
  const first = sessionStore.get()?.accessToken;
  const run = () => send(path, { headers: { Accept: accept } }, sessionStore.get()?.accessToken);
  let res = await run();
  if (res.status === 401 && (await refreshSession(first))) res = await run();
  if (!res.ok) throw errorFromResponse(res.status, await readBody(res));
  return res.blob();
}

/** Uploads a photo with XMLHttpRequest because fetch cannot report upload progress; the body is the raw image bytes. */
export function uploadWithProgress<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
  const firstToken = sessionStore.get()?.accessToken;
  const attempt = () =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', buildUrl(path));
      const token = sessionStore.get()?.accessToken;
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = xhr.responseText;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'Network error'));
      xhr.send(file);
    });
  return (async () => {
    let result = await attempt();
    if (result.status === 401 && errorFromResponse(401, result.body).code === 'TOKEN_EXPIRED' && (await refreshSession(firstToken))) {
      result = await attempt();
    }
    if (result.status < 200 || result.status >= 300) throw errorFromResponse(result.status, result.body);
    onProgress(1);
    return (result.body as { data: T }).data;
  })();
}
