import crypto from 'node:crypto';
import { ATTRIBUTION_COOKIE, signAttributionAt } from '../lib/attributionCookie';

const BLOCK = 64;
/** Click times in base 36 are 8 digits from 1973 to 2059; other lengths take the general path. */
const TIME_DIGITS = 8;

/** A link's attribution prefix, prepared once: its text (flat) and the MAC's inner block up to the click time. */
export interface PreparedPrefix {
  readonly text: string;
  /** ipad-key ‖ "tular_ref|" ‖ prefix ‖ 8 bytes for the click time; null when the prefix is not plain ASCII. */
  readonly inner: Buffer | null;
}

export interface AttributionSigner {
  prepare(prefix: string): PreparedPrefix;
  /** The cookie value `signAttributionAt(prefix.text, clickedAtMs, secret)` gives, byte for byte. */
  sign(prefix: PreparedPrefix, clickedAtMs: number): string;
}

/**
 * `signAttributionAt` for the redirect's hot path — the same value (HMAC-SHA256 of
 * `tular_ref|<prefix><time>` under the cookie secret, RFC 2104), computed as two one-shot SHA-256
 * calls: the key pads are prepared once per secret, and the inner block up to the click time once
 * per link (the prefix is the same for every click on it), so a click writes its 8 time digits and
 * hashes — no Hmac object, no key preparation, no re-encoding of the prefix.
 */
export function attributionSigner(secret: string): AttributionSigner {
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = Buffer.from(crypto.hash('sha256', key, 'buffer') as unknown as Uint8Array);
  const ipad = Buffer.alloc(BLOCK);
  // outer = opad-key ‖ SHA-256(inner), reused by every click.
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i += 1) {
    const k = i < key.length ? key[i]! : 0;
    ipad[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  const macPrefix = `${ATTRIBUTION_COOKIE}|`;
  return {
    prepare(prefix) {
      // A flat copy: a template-built prefix is a tree of string pieces, walked again on every use.
      const text = Buffer.from(prefix, 'latin1').toString('latin1');
      if (text !== prefix || !/^[\x20-\x7e]*$/.test(prefix)) return { text: prefix, inner: null };
      const head = macPrefix + prefix;
      const inner = Buffer.alloc(BLOCK + head.length + TIME_DIGITS);
      ipad.copy(inner, 0);
      inner.write(head, BLOCK, 'latin1');
      return { text, inner };
    },
    sign(prefix, clickedAtMs) {
      const time = clickedAtMs.toString(36);
      const inner = prefix.inner;
      if (!inner || time.length !== TIME_DIGITS) return signAttributionAt(prefix.text, clickedAtMs, secret);
      const at = inner.length - TIME_DIGITS;
      for (let i = 0; i < TIME_DIGITS; i += 1) inner[at + i] = time.charCodeAt(i);
      (crypto.hash('sha256', inner, 'buffer') as unknown as Buffer).copy(outer, BLOCK);
      return `${prefix.text}${time}.${crypto.hash('sha256', outer, 'base64url')}`;
    },
  };
}
