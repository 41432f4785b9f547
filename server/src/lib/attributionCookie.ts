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

const MAC_PREFIX = `${ATTRIBUTION_COOKIE}|`;

function mac(payload: string, secret: string): string {
  // The cookie-name prefix keeps this MAC from ever being confused with another use of the same secret.
  return crypto.createHmac('sha256', secret).update(MAC_PREFIX + payload).digest('base64url');
}

/**
 * `a1.<linkId>.<code>.<resellerId>.<shopId>.<clickedAt ms, base36>.<HMAC-SHA256 base64url>`:
 * every part is cookie-safe, so the value needs no encoding and stays ~150 bytes.
 */
export function signAttribution(a: Attribution, secret: string): string {
  return signAttributionAt(attributionPrefix(a), a.clickedAt.getTime(), secret);
}

/** The part of the value that is the same for every click on one link (`a1.<linkId>.<code>.<resellerId>.<shopId>.`); the redirect keeps it per link. */
export function attributionPrefix(a: Omit<Attribution, 'clickedAt'>): string {
  return `${VERSION}.${a.linkId}.${a.code}.${a.resellerId}.${a.shopId}.`;
}

/** signAttribution from a precomputed prefix: the same value, one string build and one HMAC per click. */
export function signAttributionAt(prefix: string, clickedAtMs: number, secret: string): string {
  const payload = prefix + clickedAtMs.toString(36);
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

/**
 * Finds `name=value` in a raw Cookie header without a parser (the redirect hot path uses this too):
 * one `startsWith` per pair and a single slice for the value — no per-pair substrings.
 */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  const length = cookieHeader.length;
  let from = 0;
  while (from < length) {
    // Pairs are separated by ";" plus optional whitespace (what trim() dropped before).
    let c = cookieHeader.charCodeAt(from);
    while (c === 32 || c === 9) c = cookieHeader.charCodeAt(++from);
    const end = cookieHeader.indexOf(';', from);
    const stop = end === -1 ? length : end;
    if (cookieHeader.startsWith(name, from) && cookieHeader.charCodeAt(from + name.length) === 61 /* = */ && from + name.length < stop) {
      let value = cookieHeader.slice(from + name.length + 1, stop).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
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
