import type { AuthSession, User } from '@tular/shared';

const KEY = 'tular.session';
type Listener = (session: AuthSession | null) => void;

/** The signed-in session, kept in localStorage so a reload stays signed in; one source of truth for tokens. */
class SessionStore {
  private current: AuthSession | null = null;
  private listeners = new Set<Listener>();

  constructor() {
    this.current = this.read();
  }

  private read(): AuthSession | null {
    try {
      const raw = globalThis.localStorage?.getItem(KEY);
      return raw ? (JSON.parse(raw) as AuthSession) : null;
    } catch {
      return null;
    }
  }

  get(): AuthSession | null {
    return this.current;
  }

  user(): User | null {
    return this.current?.user ?? null;
  }

  set(session: AuthSession | null): void {
    this.current = session;
    try {
      if (session) globalThis.localStorage?.setItem(KEY, JSON.stringify(session));
      else globalThis.localStorage?.removeItem(KEY);
    } catch {
      // Private mode or a full disk: the session still lives in memory for this tab.
    }
    for (const listener of this.listeners) listener(session);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const sessionStore = new SessionStore();
