import { AuthLoginSchema, AuthRefreshSchema, AuthRegisterSchema, AuthSessionSchema, UserSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { rateLimit } from '../../middlewares/rateLimit';
import { registerUser } from '../../commands/auth/userRegistrar';
import { login, logout, refresh, startSession, type SessionSettings } from '../../commands/auth/sessionIssuer';
import { LoginThrottle } from '../../commands/auth/loginThrottle';
import { UserModel } from '../../models/User';
import { NotFoundError } from '../../lib/errors';
import { presentUser } from '../../presenters/user';

export function registerAuthRoutes(api: ApiRouter, { config }: AppDeps): void {
  const settings: SessionSettings = config;
  // Register and login share one per-IP bucket; refresh has its own looser one, and failed logins
  // are also counted per account (any IP), which is what actually stops password guessing.
  const limited = [rateLimit({ name: 'auth', limit: config.rateLimitAuthPerMinute, windowMs: 60_000 })];
  const refreshLimited = [rateLimit({ name: 'auth-refresh', limit: config.rateLimitRefreshPerMinute, windowMs: 60_000 })];
  const loginThrottle = new LoginThrottle(config.loginFailuresPerAccount, config.loginFailureWindowMinutes * 60_000);

  api.add({
    method: 'post',
    path: '/auth/register',
    summary: 'Register an owner or a reseller',
    tags: ['auth'],
    access: 'public',
    before: limited,
    body: AuthRegisterSchema,
    response: AuthSessionSchema,
    status: 201,
    handler: async ({ body }) => startSession(await registerUser(body, config.passwordHashCost), settings),
  });

  api.add({
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with email and password',
    tags: ['auth'],
    access: 'public',
    before: limited,
    body: AuthLoginSchema,
    response: AuthSessionSchema,
    handler: ({ body }) => login(body.email, body.password, settings, loginThrottle),
  });

  api.add({
    method: 'post',
    path: '/auth/refresh',
    summary: 'Exchange a refresh token for new tokens (rotating; reuse revokes the family)',
    tags: ['auth'],
    access: 'public',
    before: refreshLimited,
    body: AuthRefreshSchema,
    response: AuthSessionSchema,
    handler: ({ body }) => refresh(body.refreshToken, settings),
  });

  api.add({
    method: 'post',
    path: '/auth/logout',
    summary: 'Revoke the session the refresh token belongs to',
    tags: ['auth'],
    access: 'public',
    body: AuthRefreshSchema,
    handler: async ({ body }) => {
      await logout(body.refreshToken);
      return { ok: true };
    },
  });

  api.add({
    method: 'get',
    path: '/me',
    summary: 'The signed-in user',
    tags: ['auth'],
    access: ['owner', 'reseller', 'admin'],
    response: UserSchema,
    handler: async ({ user }) => {
      const doc = await UserModel.findById(user.id);
      if (!doc) throw new NotFoundError('User');
      return presentUser(doc);
    },
  });
}
