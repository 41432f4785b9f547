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
export const SIGNATURE_TOLERANCE_S = 300;

/** `X-Tular-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` — what integrators send. */
export function signConversion(rawBody: string | Buffer, secret: string, t = Math.floor(Date.now() / 1000)): string {
  const mac = crypto.createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** Throws 401 SIGNATURE_MISSING / SIGNATURE_STALE / SIGNATURE_INVALID; constant-time comparison. */
export function verifyConversionSignature(header: string | undefined, rawBody: Buffer | undefined, secret: string | null, nowMs = Date.now()): void {
  if (!header) throw new AuthenticationError('SIGNATURE_MISSING', 'Send X-Tular-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">');
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[a-f0-9]{64}$/i.test(given)) throw new AuthenticationError('SIGNATURE_INVALID', 'The signature header is malformed');
  if (Math.abs(nowMs / 1000 - t) > SIGNATURE_TOLERANCE_S) {
    throw new AuthenticationError('SIGNATURE_STALE', 'The signature timestamp is more than 5 minutes away from now; sign each request as you send it');
  }
  if (!secret || !rawBody) throw new AuthenticationError('SIGNATURE_INVALID', 'The signature does not match');
  const expected = Buffer.from(crypto.createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex'));
  const actual = Buffer.from(given.toLowerCase());
  if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) {
    throw new AuthenticationError('SIGNATURE_INVALID', 'The signature does not match');
  }
}
