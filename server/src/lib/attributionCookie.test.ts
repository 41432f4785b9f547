import { ATTRIBUTION_COOKIE, attributionPrefix, readAttribution, readCookie, signAttribution, signAttributionAt, verifyAttribution } from './attributionCookie';

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

  it('reads the first pair of that name, trimmed and unquoted, wherever it sits in the header', () => {
    const header = 'theme=dark;tular_vid=abc ;  tular_ref="q1" ; tular_ref=second; empty=';
    expect(readCookie(header, 'tular_vid')).toBe('abc');
    expect(readCookie(header, 'tular_ref')).toBe('q1');
    expect(readCookie(header, 'empty')).toBe('');
    // A name that is only a prefix of another name, or a name without "=", is not that cookie.
    expect(readCookie('tular_refx=1; tular_ref', 'tular_ref')).toBeUndefined();
    expect(readCookie(' \ttular_ref=tabbed', 'tular_ref')).toBe('tabbed');
    expect(readCookie(undefined, 'tular_ref')).toBeUndefined();
  });

  it('signs from a per-link prefix exactly like signAttribution', () => {
    const fromPrefix = signAttributionAt(attributionPrefix(attribution), attribution.clickedAt.getTime(), secret);
    expect(fromPrefix).toBe(signAttribution(attribution, secret));
    expect(verifyAttribution(fromPrefix, secret)).toEqual(attribution);
  });

  it('still accepts a cookie set before the redirect signed from per-link prefixes', () => {
    // Made by the previous signAttribution (array join + HMAC): buyers already carry such cookies.
    const before =
      'a1.65a1b2c3d4e5f60718293a4b.Ab3dE5gh.65a1b2c3d4e5f60718293a4c.65a1b2c3d4e5f60718293a4d.mimuznk0.uK-i19XSv8-jDbfgIAHA4OeGOAr_7ZTN56Raj8QIrOk';
    expect(verifyAttribution(before, 'test-cookie-secret-0123456789abcdef')).toEqual({
      linkId: '65a1b2c3d4e5f60718293a4b',
      code: 'Ab3dE5gh',
      resellerId: '65a1b2c3d4e5f60718293a4c',
      shopId: '65a1b2c3d4e5f60718293a4d',
      clickedAt: new Date(1764576000000),
    });
  });
});
