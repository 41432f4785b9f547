import crypto from 'node:crypto';
import { ATTRIBUTION_COOKIE, signAttributionAt } from '../lib/attributionCookie';

const BLOCK = 64;
const ROOM = 1024;

/**
 * `signAttributionAt` for the redirect's hot path — the same value, byte for byte (HMAC-SHA256 of
 * `tular_ref|<payload>` under the cookie secret, RFC 2104), computed as two one-shot SHA-256 calls
 * over buffers whose key pads are prepared once: no Hmac object, no key preparation per click.
 */
export function attributionSigner(secret: string): (prefix: string, clickedAtMs: number) => string {
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = crypto.hash('sha256', key, 'buffer') as unknown as Buffer<ArrayBuffer>;
  // inner = ipad-key ‖ "tular_ref|" ‖ payload; outer = opad-key ‖ SHA-256(inner).
  const inner = Buffer.alloc(BLOCK + ROOM);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i += 1) {
    const k = i < key.length ? key[i]! : 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  const start = BLOCK + inner.write(`${ATTRIBUTION_COOKIE}|`, BLOCK, 'latin1');
  return (prefix, clickedAtMs) => {
    const payload = prefix + clickedAtMs.toString(36);
    // A payload that might not fit (never, for ids and codes) takes the general path.
    if (payload.length * 3 > inner.length - start) return signAttributionAt(prefix, clickedAtMs, secret);
    const end = start + inner.write(payload, start, 'utf8');
    (crypto.hash('sha256', inner.subarray(0, end), 'buffer') as unknown as Buffer).copy(outer, BLOCK);
    return `${payload}.${crypto.hash('sha256', outer, 'base64url')}`;
  };
}
