import { classifyUserAgent } from './classify';
import { UniqueTracker } from './uniqueTracker';

describe('classifyUserAgent', () => {
  it.each([
    ['WhatsApp/2.23.20.0 A', 'preview'],
    ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'preview'],
    ['Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'preview'],
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'preview'],
    ['Twitterbot/1.0', 'preview'],
    ['TelegramBot (like TwitterBot)', 'preview'],
    ['LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)', 'preview'],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'bot'],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'bot'],
    ['curl/8.5.0', 'bot'],
    ['python-requests/2.31.0', 'bot'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/119.0.0.0 Safari/537.36', 'bot'],
    ['', 'bot'],
    ['Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36', 'click'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111', 'click'],
    ['Mozilla/5.0 (Linux; Android 12; M2101K6G Build/SKQ1; wv) AppleWebKit/537.36 Chrome/118.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/439.0.0.29.120;]', 'click'],
  ])('%s → %s', (ua, kind) => {
    expect(classifyUserAgent(ua).kind).toBe(kind);
  });

  it('reads device, OS and browser classes', () => {
    expect(classifyUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0')).toMatchObject({
      device: 'mobile',
      os: 'ios',
      browser: 'instagram',
    });
    expect(classifyUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0')).toMatchObject({
      device: 'desktop',
      os: 'windows',
      browser: 'edge',
    });
  });
});

describe('UniqueTracker', () => {
  it('counts a key once per window, and again after it', () => {
    const t = new UniqueTracker(1000);
    expect(t.check(['a|v|1', 'a|i|x'], 0)).toBe(true);
    expect(t.check(['a|v|1', 'a|i|y'], 500)).toBe(false);
    expect(t.check(['a|v|2', 'a|i|x'], 600)).toBe(false);
    expect(t.check(['b|v|1', 'b|i|x'], 700)).toBe(true);
    expect(t.check(['a|v|1', 'a|i|x'], 1001)).toBe(true);
  });

  it('stays within its memory bound', () => {
    const t = new UniqueTracker(60_000, 100);
    for (let i = 0; i < 1000; i += 1) t.check([`k${i}`], i);
    expect(t.size).toBeLessThanOrEqual(100);
  });
});
