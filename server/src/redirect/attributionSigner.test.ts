import { attributionPrefix, signAttributionAt, verifyAttribution } from '../lib/attributionCookie';
import { attributionSigner } from './attributionSigner';

describe('attributionSigner', () => {
  const attribution = { linkId: '65f1c0ffee00000000000001', code: 'AbCdEfGh23', resellerId: '65f1c0ffee00000000000002', shopId: '65f1c0ffee00000000000003' };
  const prefix = attributionPrefix(attribution);

  it.each([
    ['a short secret', 'short'],
    ['a 32-character secret', 'bench-cookie-xxxxxxxxxxxxxxxxxxx'],
    ['a secret of exactly one block (64 bytes)', 'k'.repeat(64)],
    ['a secret longer than a block (hashed first, as HMAC does)', 's'.repeat(65)],
    ['a secret with non-ASCII characters', 'rahasia-ü-€-秘密-0123456789abcdefghij'],
  ])('gives the same cookie value as signAttributionAt with %s, and the value verifies', (_name, secret) => {
    const sign = attributionSigner(secret);
    for (const ms of [1, 1_764_576_000_123, 1_764_576_000_124, Date.now(), 8_640_000_000_000_000]) {
      const value = sign(prefix, ms);
      expect(value).toBe(signAttributionAt(prefix, ms, secret));
      expect(verifyAttribution(value, secret)).toEqual({ ...attribution, clickedAt: new Date(ms) });
      expect(verifyAttribution(value, `${secret}x`)).toBeNull();
    }
  });

  it('keeps no state between calls: a long prefix after a short one, and back', () => {
    const sign = attributionSigner('bench-cookie-xxxxxxxxxxxxxxxxxxx');
    const long = `${prefix}${'z'.repeat(300)}.`;
    const huge = `${prefix}${'z'.repeat(2000)}.`;
    for (const p of [prefix, long, prefix, huge, prefix]) expect(sign(p, 42)).toBe(signAttributionAt(p, 42, 'bench-cookie-xxxxxxxxxxxxxxxxxxx'));
  });
});
