import crypto from 'node:crypto';
import mongoose, { type Types } from 'mongoose';
import type { AuthSession } from '@tular/shared';
import { UserModel, type UserDoc } from '../../models/User';
import { RefreshFamilyModel, RefreshTokenModel, type RefreshFamilyFields, type RefreshTokenFields } from '../../models/RefreshToken';
import { AuthenticationError } from '../../lib/errors';
import { signAccessToken } from '../../lib/accessTokens';
import { decoyHash, verifyPassword } from '../../lib/password';
import { presentUser } from '../../presenters/user';
import { withWriteLock } from '../../db/writeLock';
import { updateByIdIf } from '../../db/guardedUpdate';
import type { LoginThrottle } from './loginThrottle';

export interface SessionSettings {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  passwordHashCost: number;
}

const sha256 = (value: string): string => crypto.createHash('sha256').update(value).digest('hex');

/**
 * A refresh token's document `_id` is the first 12 bytes of its hash, so a refresh reads it by `_id`:
 * FerretDB answers only a bare `_id` filter from an index, and `{tokenHash}` decoded every token ever
 * issued (one more per refresh, none ever deleted) on every refresh, logout and reuse check. The full
 * hash is still compared, so a clash of the short id can only make an insert fail, never match a token.
 */
const tokenIdOf = (tokenHash: string): Types.ObjectId => new mongoose.Types.ObjectId(tokenHash.slice(0, 24));

type RefreshTokenRow = RefreshTokenFields & { _id: Types.ObjectId };

/** The token's document: by `_id`, else (a token issued before ids were derived, until it expires) by its hash. */
async function findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null> {
  const byId = await RefreshTokenModel.findById(tokenIdOf(tokenHash)).lean<RefreshTokenRow>();
  if (byId) return byId.tokenHash === tokenHash ? byId : null;
  return RefreshTokenModel.findOne({ tokenHash }).lean<RefreshTokenRow>();
}

async function issueTokens(user: UserDoc, familyId: Types.ObjectId, s: SessionSettings): Promise<AuthSession> {
  const refreshToken = `rt_${crypto.randomBytes(32).toString('base64url')}`;
  const tokenHash = sha256(refreshToken);
  await RefreshTokenModel.create({
    _id: tokenIdOf(tokenHash),
    tokenHash,
    familyId,
    userId: user._id,
    expiresAt: new Date(Date.now() + s.refreshTokenTtlDays * 86_400_000),
  });
  return {
    user: presentUser(user),
    accessToken: signAccessToken({ id: user.id as string, role: user.role }, s.jwtSecret, s.accessTokenTtlSeconds),
    refreshToken,
  };
}

export async function startSession(user: UserDoc, s: SessionSettings): Promise<AuthSession> {
  const family = await RefreshFamilyModel.create({ userId: user._id });
  return issueTokens(user, family._id, s);
}

/** `throttle` counts failures per email, so unknown emails are throttled exactly like real ones (no account probing). */
export async function login(email: string, password: string, s: SessionSettings, throttle?: LoginThrottle): Promise<AuthSession> {
  const attempt = throttle?.begin(String(email));
  try {
    const user = await UserModel.findOne({ email: String(email) });
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash(s.passwordHashCost)));
    if (!user || !ok) {
      attempt?.failed();
      throw new AuthenticationError('INVALID_CREDENTIALS', 'Email or password is wrong');
    }
    attempt?.succeeded();
    return await startSession(user, s);
  } finally {
    // A database error is neither a failure nor a success: release the reservation uncounted.
    attempt?.release();
  }
}

/** Revokes once (the first reason and time stay); by `_id`, under the family's lock where writes are serialized. */
async function revokeFamily(familyId: Types.ObjectId, reason: string): Promise<void> {
  await withWriteLock(`refresh-family:${String(familyId)}`, () =>
    updateByIdIf<RefreshFamilyFields>(
      RefreshFamilyModel,
      familyId,
      { filter: { revokedAt: null }, holds: (f) => !f.revokedAt, fields: { revokedAt: 1 } },
      { $set: { revokedAt: new Date(), revokedReason: reason } },
    ),
  );
}

/**
 * Rotation: the token is marked used by one conditional update, so of two concurrent refreshes
 * exactly one wins. Presenting a used token again means it leaked — the whole family is revoked,
 * including the token the winner just received (the family is checked on every use).
 */
export async function refresh(refreshToken: string, s: SessionSettings): Promise<AuthSession> {
  const tokenHash = sha256(refreshToken);
  const now = new Date();
  const claimed = await findRefreshToken(tokenHash);
  if (!claimed) throw new AuthenticationError('REFRESH_TOKEN_INVALID', 'The refresh token is not valid or has expired');
  const { updated, read } = await withWriteLock(`refresh:${tokenHash}`, () =>
    updateByIdIf<RefreshTokenFields>(
      RefreshTokenModel,
      claimed._id,
      { filter: { usedAt: null, expiresAt: { $gt: now } }, holds: (t) => !t.usedAt && t.expiresAt > now, fields: { usedAt: 1, expiresAt: 1 } },
      { $set: { usedAt: now } },
    ),
  );
  if (!updated) {
    // Used (by an earlier refresh, or by the one racing this) or expired: which, as stored now.
    const known = read ?? (await RefreshTokenModel.findById(claimed._id, { usedAt: 1, expiresAt: 1 }).lean());
    if (known?.usedAt) {
      await revokeFamily(claimed.familyId, 'reuse');
      throw new AuthenticationError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; all sessions from that sign-in are revoked');
    }
    throw new AuthenticationError('REFRESH_TOKEN_INVALID', 'The refresh token is not valid or has expired');
  }
  const family = await RefreshFamilyModel.findById(claimed.familyId);
  if (!family || family.revokedAt) throw new AuthenticationError('REFRESH_TOKEN_INVALID', 'This session was signed out');
  const user = await UserModel.findById(claimed.userId);
  if (!user) throw new AuthenticationError('REFRESH_TOKEN_INVALID', 'The account no longer exists');
  return issueTokens(user, family._id, s);
}

export async function logout(refreshToken: string): Promise<void> {
  const known = await findRefreshToken(sha256(refreshToken));
  if (known) await revokeFamily(known.familyId, 'logout');
}
