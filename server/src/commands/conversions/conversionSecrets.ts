import crypto from 'node:crypto';
import type mongoose from 'mongoose';
import { ConversionSecretModel } from '../../models/ConversionSecret';
import { AuthenticationError } from '../../lib/errors';

/**
 * HMAC verification needs the secret itself, so it cannot be stored as a hash: it is kept
 * encrypted with AES-256-GCM under a key derived (HKDF) from COOKIE_SECRET. Changing COOKIE_SECRET
 * makes stored secrets unreadable — owners then rotate theirs.
 */
function keyFrom(masterSecret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', masterSecret, 'tular-conversion-secrets', 'aes-256-gcm', 32));
}

function encrypt(plain: string, masterSecret: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyFrom(masterSecret), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

function decrypt(stored: string, masterSecret: string): string | null {
  try {
    const [iv, tag, body] = stored.split('.').map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyFrom(masterSecret), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** A new secret replaces the old one at once; the caller shows it to the owner this one time. */
export async function rotateConversionSecret(shopId: mongoose.Types.ObjectId, masterSecret: string): Promise<{ secret: string; rotatedAt: Date }> {
  const secret = `tsec_${crypto.randomBytes(24).toString('base64url')}`;
  const rotatedAt = new Date();
  await ConversionSecretModel.replaceOne({ _id: shopId }, { _id: shopId, ciphertext: encrypt(secret, masterSecret), rotatedAt }, { upsert: true });
  return { secret, rotatedAt };
}

export async function conversionSecretOf(shopId: mongoose.Types.ObjectId | string, masterSecret: string): Promise<string | null> {
  const doc = await ConversionSecretModel.findById(shopId).lean();
  return doc ? decrypt(doc.ciphertext, masterSecret) : null;
}

export const SIGNATURE_HEADER = 'x-tular-signature';
/** How old a signature may be. */
export const SIGNATURE_TOLERANCE_S = 300;
/** How far ahead of our clock a signature may be dated (clock skew), no more. */
export const SIGNATURE_FUTURE_TOLERANCE_S = 60;

/**
 * The exact string the v2 HMAC covers: `<t>` LF `<Idempotency-Key>` LF `<raw body bytes>`.
 * The key is signed so a captured request cannot be replayed under a fresh key (a second order);
 * LF separates because neither a timestamp nor a key (visible ASCII) can contain one.
 */
function stringToSign(t: number, idempotencyKey: string): string {
  return `${t}\n${idempotencyKey}\n`;
}

function mac(secret: string, t: number, idempotencyKey: string, rawBody: string | Buffer): string {
  return crypto.createHmac('sha256', secret).update(stringToSign(t, idempotencyKey)).update(rawBody).digest('hex');
}

/** `X-Tular-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256 of "<t>\n<Idempotency-Key>\n<raw body>">` — what integrators send. */
export function signConversion(rawBody: string | Buffer, idempotencyKey: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v2=${mac(secret, t, idempotencyKey, rawBody)}`;
}

const HOW_TO_SIGN = 'X-Tular-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256, with the shop’s secret, of "<t>\\n<Idempotency-Key>\\n<raw body>">';

export function signatureMissing(): AuthenticationError {
  return new AuthenticationError('SIGNATURE_MISSING', `Send ${HOW_TO_SIGN}`);
}

/**
 * 401 with a distinct code per failure, so an integrator can tell what to fix: SIGNATURE_MISSING,
 * SIGNATURE_MALFORMED, SIGNATURE_OUTDATED (a v1 signature, which did not cover the key),
 * SIGNATURE_STALE, SIGNATURE_FROM_FUTURE, SIGNATURE_INVALID; constant-time comparison.
 * The caller has resolved the shop's secret (and answered "no secret yet" itself).
 */
export function verifyConversionSignature(header: string | undefined, idempotencyKey: string, rawBody: Buffer | undefined, secret: string, nowMs = Date.now()): void {
  if (!header) throw signatureMissing();
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? ([p.trim(), ''] as const) : ([p.slice(0, i).trim(), p.slice(i + 1).trim()] as const);
    }),
  );
  const rawT = parts.get('t') ?? '';
  const t = Number(rawT);
  const given = parts.get('v2');
  if (given === undefined && parts.has('v1')) {
    throw new AuthenticationError('SIGNATURE_OUTDATED', `v1 signatures (over "<t>.<body>") are no longer accepted because they did not cover the Idempotency-Key; send ${HOW_TO_SIGN}`);
  }
  if (!/^\d{1,12}$/.test(rawT) || !Number.isSafeInteger(t) || !given || !/^[a-f0-9]{64}$/i.test(given)) {
    throw new AuthenticationError('SIGNATURE_MALFORMED', `The signature header is malformed; send ${HOW_TO_SIGN}`);
  }
  const ageS = nowMs / 1000 - t;
  if (ageS > SIGNATURE_TOLERANCE_S) {
    throw new AuthenticationError('SIGNATURE_STALE', 'The signature timestamp is more than 5 minutes old; sign each request as you send it');
  }
  if (-ageS > SIGNATURE_FUTURE_TOLERANCE_S) {
    throw new AuthenticationError('SIGNATURE_FROM_FUTURE', 'The signature timestamp is more than 60 seconds ahead of the server clock; check your clock (NTP)');
  }
  if (!rawBody) throw new AuthenticationError('SIGNATURE_INVALID', 'The signature does not match');
  const expected = Buffer.from(mac(secret, t, idempotencyKey, rawBody));
  const actual = Buffer.from(given.toLowerCase());
  if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) {
    throw new AuthenticationError('SIGNATURE_INVALID', 'The signature does not match this body and Idempotency-Key under the shop’s current secret');
  }
}
