import crypto from 'node:crypto';

/** The first-party cookie `GET /r/:code` sets; checkout reads it (an explicit code on the order wins over it). */
export const ATTRIBUTION_COOKIE = 'tular_ref';

export interface Attribution {
  linkId: string;
  code: string;
  resellerId: string;
  shopId: string;
  clickedAt: Date;
}

const VERSION = 'a1';
const OBJECT_ID = /^[a-f0-9]{24}$/;
const CODE = /^[A-Za-z0-9]{4,32}$/;

function mac(payload: string, secret: string): string {
  // The version prefix keeps this MAC from ever being confused with another use of the same secret.
  return crypto.createHmac('sha256', secret).update(`${ATTRIBUTION_COOKIE}|${payload}`).digest('base64url');
}

/**
 * `a1.<linkId>.<code>.<resellerId>.<shopId>.<clickedAt ms, base36>.<HMAC-SHA256 base64url>`:
 * every part is cookie-safe, so the value needs no encoding and stays ~150 bytes.
 */
export function signAttribution(a: Attribution, secret: string): string {
  const payload = [VERSION, a.linkId, a.code, a.resellerId, a.shopId, a.clickedAt.getTime().toString(36)].join('.');
  return `${payload}.${mac(payload, secret)}`;
}

/** Verifies a cookie value; anything malformed or tampered with is `null` (never throws). */
export function verifyAttribution(value: string, secret: string): Attribution | null {
  const parts = value.split('.');
  if (parts.length !== 7 || parts[0] !== VERSION) return null;
  const [, linkId, code, resellerId, shopId, at, signature] = parts as [string, string, string, string, string, string, string];
  if (!OBJECT_ID.test(linkId) || !OBJECT_ID.test(resellerId) || !OBJECT_ID.test(shopId) || !CODE.test(code)) return null;
  const expected = Buffer.from(mac(parts.slice(0, 6).join('.'), secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  const ms = parseInt(at, 36);
  if (!Number.isSafeInteger(ms) || ms <= 0) return null;
  return { linkId, code, resellerId, shopId, clickedAt: new Date(ms) };
}

/** Finds `name=value` in a raw Cookie header without a parser (the redirect hot path uses this too). */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  let from = 0;
  while (from < cookieHeader.length) {
    const end = cookieHeader.indexOf(';', from);
    const pair = cookieHeader.slice(from, end === -1 ? undefined : end).trim();
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === name) {
      let value = pair.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
      return value;
    }
    if (end === -1) break;
    from = end + 1;
  }
  return undefined;
}

/**
 * The attribution carried by a request's Cookie header, or null when absent, forged or malformed.
 * It does not check the shop's attribution window: the reader compares `clickedAt` with it.
 */
export function readAttribution(cookieHeader: string | undefined, secret: string): Attribution | null {
  try {
    const value = readCookie(cookieHeader, ATTRIBUTION_COOKIE);
    return value ? verifyAttribution(value, secret) : null;
  } catch {
    return null;
  }
}
