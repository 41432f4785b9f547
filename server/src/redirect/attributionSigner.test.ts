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
    const signer = attributionSigner(secret);
    const prepared = signer.prepare(prefix);
    // 1 and the last valid Date have fewer / more than 8 base-36 digits: the general path.
    for (const ms of [1, 1_764_576_000_123, 1_764_576_000_124, Date.now(), 8_640_000_000_000_000]) {
      const value = signer.sign(prepared, ms);
      expect(value).toBe(signAttributionAt(prefix, ms, secret));
      expect(verifyAttribution(value, secret)).toEqual({ ...attribution, clickedAt: new Date(ms) });
      expect(verifyAttribution(value, `${secret}x`)).toBeNull();
    }
  });

  it('keeps prepared prefixes apart: clicks on several links interleaved, long and non-ASCII prefixes too', () => {
    const secret = 'bench-cookie-xxxxxxxxxxxxxxxxxxx';
    const signer = attributionSigner(secret);
    const texts = [prefix, `${prefix}${'z'.repeat(300)}.`, attributionPrefix({ ...attribution, code: 'Zz99Yy88Xx' }), `${prefix}ü€.`];
    const prepared = texts.map((t) => signer.prepare(t));
    for (let round = 0; round < 3; round += 1)
      texts.forEach((t, i) => {
        const ms = 1_764_576_000_000 + round * 7919 + i;
        expect(signer.sign(prepared[i]!, ms)).toBe(signAttributionAt(t, ms, secret));
      });
  });
});
