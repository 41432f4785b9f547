import { useSyncExternalStore } from 'react';
import type { AuthLoginInput, AuthSession, User } from '@tular/shared';
import type { QueryClient } from '@tanstack/react-query';
import { api } from './client';
import { sessionStore } from './session';

export interface RegisterForm {
  name: string;
  email: string;
  phone: string;
  password: string;
  role: 'owner' | 'reseller';
  segment?: 'buzzer' | 'influencer' | 'follower';
  invite?: string;
}

export async function login(input: AuthLoginInput): Promise<AuthSession> {
  const session = await api.post<AuthSession>('/auth/login', input, { auth: false });
  sessionStore.set(session);
  return session;
}

export async function register(input: RegisterForm): Promise<AuthSession> {
  const session = await api.post<AuthSession>('/auth/register', input, { auth: false });
  sessionStore.set(session);
  return session;
}

const logoutHooks = new Set<() => void>();
/** Features holding state outside the query cache (the live socket) register their cleanup here. */
export function onLogout(hook: () => void): () => void {
  logoutHooks.add(hook);
  return () => logoutHooks.delete(hook);
}

/** Revokes the refresh token, then forgets everything this browser knew about the user. */
export async function logout(queryClient: QueryClient): Promise<void> {
  const session = sessionStore.get();
  sessionStore.set(null);
  queryClient.clear();
  for (const hook of logoutHooks) hook();
  try {
    globalThis.sessionStorage?.clear();
    // Everything of ours except the language the person chose (a device setting, not account data).
    const keys = Object.keys(globalThis.localStorage ?? {}).filter((k) => k.startsWith('tular.') && k !== 'tular.lang');
    for (const k of keys) globalThis.localStorage?.removeItem(k);
  } catch {
    // Storage disabled: nothing was kept there.
  }
  if (session) {
    await api.post('/auth/logout', { refreshToken: session.refreshToken }, { auth: false }).catch(() => undefined);
  }
}

export function useUser(): User | null {
  return useSyncExternalStore(
    (cb) => sessionStore.subscribe(cb),
    () => sessionStore.user(),
  );
}

export function homeFor(user: User | null): string {
  if (!user) return '/';
  return user.role === 'reseller' ? '/reseller' : '/owner';
}
