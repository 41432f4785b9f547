import type { AuthSession, User } from '@tular/shared';

export const SESSION_KEY = 'tular.session';
type Listener = (session: AuthSession | null) => void;

/** The part of `localStorage` the session needs (tests pass a fake shared by several "tabs"). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Subscribes to another tab's writes (the window's `storage` event); returns the unsubscribe. */
export type StorageEvents = (onChange: (key: string | null) => void) => () => void;

function browserStorage(): StorageLike | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

const browserEvents: StorageEvents = (onChange) => {
  if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return () => undefined;
  const handler = (e: StorageEvent) => onChange(e.key);
  window.addEventListener('storage', handler);
  return () => window.removeEventListener('storage', handler);
};

/**
 * The signed-in session, kept in localStorage so a reload stays signed in; one source of truth for
 * tokens — shared by every tab: another tab's refresh (a rotated token) or logout arrives through
 * the `storage` event, so no tab keeps using a refresh token that was already spent.
 */
export class SessionStore {
  private current: AuthSession | null = null;
  private raw: string | null = null;
  private listeners = new Set<Listener>();

  constructor(
    private readonly storage: StorageLike | null = browserStorage(),
    events: StorageEvents = browserEvents,
  ) {
    this.reload();
    // key null: the other tab cleared all storage (that is a logout too).
    events((key) => {
      if (key === null || key === SESSION_KEY) this.reload();
    });
  }

  /** Re-reads the stored session (another tab may have rotated it); tells listeners when it changed. */
  reload(): AuthSession | null {
    // No storage (private mode, tests in Node): this tab's memory is the only copy.
    if (!this.storage) return this.current;
    let raw: string | null = null;
    try {
      raw = this.storage.getItem(SESSION_KEY);
    } catch {
      // Storage disabled: keep what this tab has.
      return this.current;
    }
    if (raw === this.raw) return this.current;
    this.raw = raw;
    try {
      this.current = raw ? (JSON.parse(raw) as AuthSession) : null;
    } catch {
      this.current = null;
    }
    this.emit();
    return this.current;
  }

  get(): AuthSession | null {
    return this.current;
  }

  user(): User | null {
    return this.current?.user ?? null;
  }

  set(session: AuthSession | null): void {
    this.current = session;
    this.raw = session ? JSON.stringify(session) : null;
    try {
      if (this.raw) this.storage?.setItem(SESSION_KEY, this.raw);
      else this.storage?.removeItem(SESSION_KEY);
    } catch {
      // Private mode or a full disk: the session still lives in memory for this tab.
    }
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.current);
  }
}

export const sessionStore = new SessionStore();
