import type { AuthSession } from '@tular/shared';
import type { StorageLike } from './session';

/** Runs `fn` while holding the cross-tab refresh lock. */
export type RefreshLock = <T>(fn: () => Promise<T>) => Promise<T>;

export interface RefreshStore {
  get(): AuthSession | null;
  /** Re-reads the shared storage: another tab may have rotated the tokens meanwhile. */
  reload(): AuthSession | null;
  set(session: AuthSession | null): void;
}

export type RefreshAnswer = { kind: 'ok'; session: AuthSession } | { kind: 'refused' } | { kind: 'offline' };

export interface RefreshDeps {
  store: RefreshStore;
  lock: RefreshLock;
  /** POST /auth/refresh with this refresh token. */
  post: (refreshToken: string) => Promise<RefreshAnswer>;
}

/**
 * One refresh for every tab. Refresh tokens rotate and the server revokes the whole family when a
 * spent one comes back, so two tabs refreshing with the same token would sign the person out
 * everywhere. Under the lock, the stored session is read again first: when another tab already
 * rotated it (its access token is not the one that just expired), that session is used as it is.
 * A refusal is checked the same way before signing out — a tab without the lock may have won the race.
 */
export async function coordinatedRefresh(deps: RefreshDeps, expiredAccessToken: string | undefined): Promise<boolean> {
  const { store, lock, post } = deps;
  const inMemory = store.get();
  if (!inMemory) return false;
  if (expiredAccessToken && inMemory.accessToken !== expiredAccessToken) return true;
  return lock(async () => {
    const latest = store.reload();
    if (!latest) return false;
    if (latest.accessToken !== (expiredAccessToken ?? inMemory.accessToken)) return true;
    const answer = await post(latest.refreshToken);
    if (answer.kind === 'ok') {
      store.set(answer.session);
      return true;
    }
    if (answer.kind === 'offline') return false;
    const after = store.reload();
    if (after && after.refreshToken !== latest.refreshToken) return true;
    store.set(null);
    return false;
  });
}

const LOCK_NAME = 'tular.refresh';
const LOCK_KEY = 'tular.refreshLock';
const LOCK_TTL_MS = 15_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Web Locks where the browser has them (every current one); else a lease in localStorage: write
 * our id, wait a moment, and go ahead only if the id is still ours (the last writer wins the lease).
 */
export function crossTabLock(opts: { locks?: LockManagerLike | null; storage?: StorageLike | null; settleMs?: number } = {}): RefreshLock {
  const locks = opts.locks !== undefined ? opts.locks : ((globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks ?? null);
  if (locks) return (fn) => locks.request(LOCK_NAME, fn);
  const storage = opts.storage !== undefined ? opts.storage : (globalThis.localStorage ?? null);
  if (!storage) return (fn) => fn();
  const settleMs = opts.settleMs ?? 40;
  return async (fn) => {
    const id = Math.random().toString(36).slice(2);
    const holder = () => {
      try {
        const lease = JSON.parse(storage.getItem(LOCK_KEY) ?? 'null') as { id: string; until: number } | null;
        return lease && lease.until > Date.now() ? lease.id : null;
      } catch {
        return null;
      }
    };
    // Bounded: past the lease's lifetime a crashed holder no longer blocks anyone.
    for (const deadline = Date.now() + LOCK_TTL_MS; Date.now() < deadline; ) {
      if (holder() === null) {
        storage.setItem(LOCK_KEY, JSON.stringify({ id, until: Date.now() + LOCK_TTL_MS }));
        await sleep(settleMs);
        if (holder() === id) {
          try {
            return await fn();
          } finally {
            if (holder() === id) storage.removeItem(LOCK_KEY);
          }
        }
      }
      await sleep(settleMs + Math.random() * settleMs);
    }
    return fn();
  };
}
