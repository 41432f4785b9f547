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

/** Verifies with the algorithm pinned (no `alg: none`, no key confusion); each failure has its own code. */
export function verifyAccessToken(token: string, secret: string): AuthUser & { exp: number } {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new AuthenticationError('TOKEN_EXPIRED', 'The access token has expired; refresh it');
    throw new AuthenticationError('TOKEN_INVALID', 'The access token is not valid');
  }
  if (typeof payload === 'string') throw new AuthenticationError('TOKEN_INVALID', 'The access token is not valid');
  if (payload.typ !== 'access') throw new AuthenticationError('TOKEN_WRONG_TYPE', 'This is not an access token');
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
    throw new AuthenticationError('TOKEN_INVALID', 'The access token is not valid');
  }
  const role = payload.role as Role;
  if (!ROLES.includes(role)) throw new AuthenticationError('TOKEN_INVALID', 'The access token is not valid');
  return { id: payload.sub, role, exp: payload.exp };
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}
