import { describe, expect, it } from 'vitest';
import type { AuthSession } from '@tular/shared';
import { coordinatedRefresh, crossTabLock, type RefreshAnswer, type RefreshLock } from './refreshCoordinator';
import { SESSION_KEY, SessionStore, type StorageLike } from './session';

const user = { id: 'u1', name: 'Rani', email: 'rani@example.com', phone: '+6281234567890', role: 'reseller' as const };
const session = (n: number): AuthSession => ({ user, accessToken: `access-${n}`, refreshToken: `refresh-${n}-0123456789` });
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/**
 * One browser profile: a localStorage shared by its tabs, with `storage` events to the *other* tabs —
 * delivered later, as browsers queue them, so a tab cannot count on having heard of a rotation yet.
 */
const EVENT_DELAY_MS = 50;
function browser() {
  const data = new Map<string, string>();
  const tabs: Array<{ notify: (key: string | null) => void }> = [];
  const storageFor = (self: { notify: (key: string | null) => void }): StorageLike => ({
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => {
      data.set(k, v);
      for (const t of tabs) if (t !== self) setTimeout(() => t.notify(k), EVENT_DELAY_MS);
    },
    removeItem: (k) => {
      data.delete(k);
      for (const t of tabs) if (t !== self) setTimeout(() => t.notify(k), EVENT_DELAY_MS);
    },
  });
  const openTab = () => {
    const self = { notify: (_key: string | null) => undefined as void };
    tabs.push(self);
    const store = new SessionStore(storageFor(self), (onChange) => {
      self.notify = onChange;
      return () => undefined;
    });
    return { store, storage: storageFor(self) };
  };
  return { data, openTab };
}

/** The server: only the newest refresh token works; presenting a spent one revokes the family. */
function authServer(start: number) {
  let current = start;
  let revoked = false;
  const calls: string[] = [];
  const post = async (refreshToken: string): Promise<RefreshAnswer> => {
    calls.push(refreshToken);
    await tick(5);
    if (revoked || refreshToken !== session(current).refreshToken) {
      revoked = true;
      return { kind: 'refused' };
    }
    current += 1;
    return { kind: 'ok', session: session(current) };
  };
  return { post, calls, revoked: () => revoked };
}

/** navigator.locks in miniature: one holder at a time, in request order. */
function webLock(): RefreshLock {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

describe('one session across tabs', () => {
  it('two tabs whose access token expired at once refresh once and both keep the new session', async () => {
    const b = browser();
    const a = b.openTab();
    a.store.set(session(1));
    const c = b.openTab();
    expect(c.store.get()?.refreshToken).toBe(session(1).refreshToken);
    const server = authServer(1);
    const lock = webLock();
    const [okA, okC] = await Promise.all([
      coordinatedRefresh({ store: a.store, lock, post: server.post }, 'access-1'),
      coordinatedRefresh({ store: c.store, lock, post: server.post }, 'access-1'),
    ]);
    expect([okA, okC]).toEqual([true, true]);
    expect(server.calls).toHaveLength(1);
    expect(server.revoked()).toBe(false);
    expect(a.store.get()?.accessToken).toBe('access-2');
    expect(c.store.get()?.accessToken).toBe('access-2');
  });

  it('without any lock, a tab that wakes later re-reads storage instead of spending the old token', async () => {
    const b = browser();
    const a = b.openTab();
    a.store.set(session(1));
    const c = b.openTab();
    const server = authServer(1);
    const noLock: RefreshLock = (fn) => fn();
    expect(await coordinatedRefresh({ store: a.store, lock: noLock, post: server.post }, 'access-1')).toBe(true);
    // Tab C still holds access-1 in a request that just failed with TOKEN_EXPIRED.
    expect(await coordinatedRefresh({ store: c.store, lock: noLock, post: server.post }, 'access-1')).toBe(true);
    expect(server.calls).toHaveLength(1);
    expect(c.store.get()?.accessToken).toBe('access-2');
  });

  it('the same race with the real fallback lock (no Web Locks): still one refresh', async () => {
    const b = browser();
    const a = b.openTab();
    a.store.set(session(1));
    const c = b.openTab();
    const server = authServer(1);
    const lockA = crossTabLock({ locks: null, storage: a.storage, settleMs: 5 });
    const lockC = crossTabLock({ locks: null, storage: c.storage, settleMs: 5 });
    const results = await Promise.all([
      coordinatedRefresh({ store: a.store, lock: lockA, post: server.post }, 'access-1'),
      coordinatedRefresh({ store: c.store, lock: lockC, post: server.post }, 'access-1'),
    ]);
    expect(results).toEqual([true, true]);
    expect(server.calls).toHaveLength(1);
    expect(server.revoked()).toBe(false);
    expect(b.data.has('tular.refreshLock')).toBe(false);
  });

  it('signs out only when the token is really refused, not when another tab won the race', async () => {
    const b = browser();
    const a = b.openTab();
    a.store.set(session(1));
    const refusedButRotated = async (): Promise<RefreshAnswer> => {
      // Another tab rotated (and stored) the session while our request was on its way.
      b.openTab().store.set(session(2));
      return { kind: 'refused' };
    };
    expect(await coordinatedRefresh({ store: a.store, lock: (fn) => fn(), post: refusedButRotated }, 'access-1')).toBe(true);
    expect(a.store.get()?.accessToken).toBe('access-2');
    const refused = async (): Promise<RefreshAnswer> => ({ kind: 'refused' });
    expect(await coordinatedRefresh({ store: a.store, lock: (fn) => fn(), post: refused }, 'access-2')).toBe(false);
    expect(a.store.get()).toBeNull();
  });

  it('keeps the session when the refresh could not reach the server', async () => {
    const b = browser();
    const a = b.openTab();
    a.store.set(session(1));
    expect(await coordinatedRefresh({ store: a.store, lock: (fn) => fn(), post: async () => ({ kind: 'offline' }) }, 'access-1')).toBe(false);
    expect(a.store.get()?.accessToken).toBe('access-1');
  });

  it('logging out in one tab logs out the others, and a sign-in shows up in them', async () => {
    const b = browser();
    const a = b.openTab();
    const c = b.openTab();
    const seen: Array<string | null> = [];
    c.store.subscribe((s) => seen.push(s?.accessToken ?? null));
    a.store.set(session(1));
    await tick(EVENT_DELAY_MS + 10);
    expect(c.store.get()?.accessToken).toBe('access-1');
    a.store.set(null);
    await tick(EVENT_DELAY_MS + 10);
    expect(c.store.get()).toBeNull();
    expect(seen).toEqual(['access-1', null]);
    expect(b.data.has(SESSION_KEY)).toBe(false);
  });

  it('the fallback lock lets one holder in at a time', async () => {
    const b = browser();
    const tabs = [b.openTab(), b.openTab(), b.openTab()];
    let inside = 0;
    let most = 0;
    await Promise.all(
      tabs.map((t) =>
        crossTabLock({ locks: null, storage: t.storage, settleMs: 5 })(async () => {
          inside += 1;
          most = Math.max(most, inside);
          await tick(10);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
