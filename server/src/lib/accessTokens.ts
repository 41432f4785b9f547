import jwt from 'jsonwebtoken';
import { ROLES, type Role } from '@tular/shared';
import { AuthenticationError } from './errors';
import type { AuthUser } from './authUser';

interface AccessClaims {
  sub: string;
  role: Role;
  typ: 'access';
}

export function signAccessToken(user: AuthUser, secret: string, ttlSeconds: number): string {
  const claims: AccessClaims = { sub: user.id, role: user.role, typ: 'access' };
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: ttlSeconds });
}

/** Opaque refresh tokens start with this (`rt_…` in commands/auth/sessionIssuer.ts), so one sent as a bearer token is recognisable. */
export const REFRESH_TOKEN_PREFIX = 'rt_';

const invalid = (): AuthenticationError => new AuthenticationError('TOKEN_INVALID', 'The access token is not valid');

/**
 * Verifies with the algorithm pinned (no `alg: none`, no key confusion). Each failure has its own
 * 401 code so clients and logs can tell an attack from a stale session: TOKEN_ALG_REJECTED,
 * TOKEN_SIGNATURE_INVALID, TOKEN_EXPIRED (the only one a client should answer with a refresh),
 * REFRESH_TOKEN_AS_ACCESS, TOKEN_WRONG_TYPE, and TOKEN_INVALID for anything malformed.
 */
export function verifyAccessToken(token: string, secret: string): AuthUser & { exp: number } {
  if (token.startsWith(REFRESH_TOKEN_PREFIX)) {
    throw new AuthenticationError('REFRESH_TOKEN_AS_ACCESS', 'This is a refresh token; send it to /auth/refresh and use the access token you get back');
  }
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.header !== 'object') throw invalid();
  // Checked before verify() so `none`, RS256/HS512 confusion and the like get their own code.
  if (decoded.header.alg !== 'HS256') {
    throw new AuthenticationError('TOKEN_ALG_REJECTED', `Access tokens are signed with HS256; "${String(decoded.header.alg).slice(0, 20)}" is refused`);
  }
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new AuthenticationError('TOKEN_EXPIRED', 'The access token has expired; refresh it');
    if (err instanceof jwt.JsonWebTokenError && err.message === 'invalid signature') {
      throw new AuthenticationError('TOKEN_SIGNATURE_INVALID', 'The access token was not signed by this server');
    }
    throw invalid();
  }
  if (typeof payload === 'string') throw invalid();
  if (payload.typ === 'refresh') {
    throw new AuthenticationError('REFRESH_TOKEN_AS_ACCESS', 'This is a refresh token; send it to /auth/refresh and use the access token you get back');
  }
  if (payload.typ !== 'access') throw new AuthenticationError('TOKEN_WRONG_TYPE', 'This is not an access token');
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw invalid();
  const role = payload.role as Role;
  if (!ROLES.includes(role)) throw invalid();
  return { id: payload.sub, role, exp: payload.exp };
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}
