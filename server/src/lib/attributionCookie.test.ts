import { ATTRIBUTION_COOKIE, readAttribution, readCookie, signAttribution } from './attributionCookie';

const secret = 'a-test-secret-that-is-long-enough-0123';
const attribution = {
  linkId: '65a1b2c3d4e5f60718293a4b',
  code: 'abcDEF23',
  resellerId: '65a1b2c3d4e5f60718293a4c',
  shopId: '65a1b2c3d4e5f60718293a4d',
  clickedAt: new Date('2026-11-22T08:00:00.123Z'),
};

describe('attribution cookie', () => {
  it('round-trips through a Cookie header among other cookies', () => {
    const value = signAttribution(attribution, secret);
    expect(value.length).toBeLessThan(200);
    const header = `tular_vid=xyz; ${ATTRIBUTION_COOKIE}=${value}; theme=dark`;
    expect(readAttribution(header, secret)).toEqual(attribution);
  });

  it('rejects a tampered value, another secret, garbage and a missing cookie without throwing', () => {
    const value = signAttribution(attribution, secret);
    const otherReseller = value.replace(attribution.resellerId, '65a1b2c3d4e5f60718293a4f');
    expect(readAttribution(`${ATTRIBUTION_COOKIE}=${otherReseller}`, secret)).toBeNull();
    expect(readAttribution(`${ATTRIBUTION_COOKIE}=${value}`, `${secret}x`)).toBeNull();
    expect(readAttribution(`${ATTRIBUTION_COOKIE}=%%%;;==`, secret)).toBeNull();
    expect(readAttribution(`${ATTRIBUTION_COOKIE}=${value.slice(0, -1)}`, secret)).toBeNull();
    expect(readAttribution(undefined, secret)).toBeNull();
    expect(readAttribution('', secret)).toBeNull();
  });

  it('reads a cookie by exact name', () => {
    expect(readCookie('xtular_ref=1; tular_ref=2', 'tular_ref')).toBe('2');
    expect(readCookie('a=1', 'b')).toBeUndefined();
  });
});
