import crypto from 'node:crypto';

/**
 * Who is asking for a link, from the User-Agent alone (cheap, cached per distinct UA string).
 *
 * - preview: link-preview fetchers that run when a link is pasted into a chat or post. Counted as
 *   previews only — a useful "just shared" signal, never a click.
 * - bot: every other automated client — crawlers, headless browsers, HTTP libraries and command-line
 *   tools (curl, wget: a person testing a link with curl is not a buyer), and requests with no UA.
 *   Redirected like anyone else, counted as bots only.
 * - click: everything else (a browser, including in-app browsers of Instagram, Facebook, TikTok, Line).
 */
export type VisitorKind = 'click' | 'preview' | 'bot';

export interface UserAgentClass {
  /**
   * A short hash of the UA string, for unique-visitor keys: the same browser always gets the same id,
   * however often the classification cache below is cycled.
   */
  id: string;
  kind: VisitorKind;
  device: 'mobile' | 'tablet' | 'desktop' | 'bot' | 'unknown';
  os: 'android' | 'ios' | 'windows' | 'macos' | 'linux' | 'chromeos' | 'other';
  browser: 'chrome' | 'safari' | 'firefox' | 'edge' | 'samsung' | 'opera' | 'instagram' | 'facebook' | 'tiktok' | 'line' | 'other';
}

// WhatsApp's fetcher is "WhatsApp/2.23.20.0 A" (its app opens links in the phone's browser, whose UA differs).
const PREVIEW =
  /^WhatsApp\/|facebookexternalhit|Facebot|TelegramBot|Twitterbot|Slackbot|Slack-ImgProxy|Discordbot|LinkedInBot|SkypeUriPreview|Pinterestbot|redditbot|vkShare|Iframely|Embedly|Mastodon|Google-PageRenderer|KakaoTalk-Scrap|Bluesky Cardyb/i;
// Named crawler and tool tokens only. No bare "bot" or brand words: CUBOT makes Android phones, and
// the Baidu app (baiduboxapp) is a person in a browser; only their crawlers (Baiduspider) are bots.
const BOT = new RegExp(
  [
    // Search and AI crawlers; "<Name>bot/1.0" is the common crawler form, a phone model never carries it.
    String.raw`[a-z]bot\/\d`,
    String.raw`\b(?:Googlebot|Google-InspectionTool|GoogleOther|AdsBot-Google|Mediapartners-Google|APIs-Google|Storebot-Google|Google-Extended|FeedFetcher-Google)`,
    String.raw`\b(?:bingbot|BingPreview|msnbot|adidxbot|DuckDuckBot|Baiduspider|YandexBot|YandexImages|YandexMobileBot|Yahoo! Slurp|Applebot|PetalBot|Bytespider|Sogou web spider|SeznamBot|Exabot|Qwantify|coccocbot)`,
    String.raw`\b(?:GPTBot|ChatGPT-User|OAI-SearchBot|CCBot|ClaudeBot|Claude-Web|anthropic-ai|PerplexityBot|Amazonbot|meta-externalagent|facebookcatalog|cohere-ai|Diffbot|ImagesiftBot)`,
    String.raw`\b(?:AhrefsBot|SemrushBot|MJ12bot|DotBot|DataForSeoBot|BLEXBot|serpstatbot|rogerbot|ia_archiver|archive\.org_bot|Screaming Frog)`,
    // Monitors and page-speed tools.
    String.raw`\b(?:UptimeRobot|Pingdom|StatusCake|Site24x7|Better Uptime|Chrome-Lighthouse|Lighthouse|PageSpeed|GTmetrix)`,
    // Headless and automated browsers.
    String.raw`\b(?:HeadlessChrome|PhantomJS|Puppeteer|Playwright|Selenium|Cypress)\b`,
    // HTTP libraries and command-line tools (their UA starts with the tool name, e.g. "python-requests/2.31").
    String.raw`^(?:curl|Wget|HTTPie|Python|aiohttp|Go-http-client|Java|okhttp|axios|node-fetch|undici|node|got|libwww-perl|lwp-|Apache-HttpClient|PostmanRuntime|insomnia|Ruby|Faraday|Dart|Deno|Bun|GuzzleHttp)\b`,
    String.raw`\b(?:Scrapy|HttpClient|http_request)\b`,
    // Generic self-descriptions crawlers use.
    String.raw`\b(?:crawler|spider|scraper)\b`,
  ].join('|'),
  'i',
);

const MAX_CACHED = 2000;
const cache = new Map<string, UserAgentClass>();

function osOf(ua: string): UserAgentClass['os'] {
  if (/Android/i.test(ua)) return 'android';
  if (/iPhone|iPad|iPod|iOS/i.test(ua)) return 'ios';
  if (/CrOS/.test(ua)) return 'chromeos';
  if (/Windows/i.test(ua)) return 'windows';
  if (/Mac OS X|Macintosh/i.test(ua)) return 'macos';
  if (/Linux/i.test(ua)) return 'linux';
  return 'other';
}

function browserOf(ua: string): UserAgentClass['browser'] {
  if (/Instagram/.test(ua)) return 'instagram';
  if (/FBAN|FBAV|FB_IAB/.test(ua)) return 'facebook';
  if (/musical_ly|TikTok|BytedanceWebview/i.test(ua)) return 'tiktok';
  if (/\bLine\//.test(ua)) return 'line';
  if (/SamsungBrowser/.test(ua)) return 'samsung';
  if (/Edg(e|A|iOS)?\//.test(ua)) return 'edge';
  if (/OPR\/|Opera/.test(ua)) return 'opera';
  if (/Firefox\/|FxiOS/.test(ua)) return 'firefox';
  if (/Chrome\/|CriOS/.test(ua)) return 'chrome';
  if (/Safari\//.test(ua)) return 'safari';
  return 'other';
}

function deviceOf(ua: string, os: UserAgentClass['os']): UserAgentClass['device'] {
  // Opera Mini says neither "Mobile" nor a model, but it only runs on phones.
  if (/Opera Mini/.test(ua)) return 'mobile';
  if (/iPad|Tablet/i.test(ua) || (os === 'android' && !/Mobile/i.test(ua))) return 'tablet';
  if (/Mobi|iPhone|iPod/i.test(ua) || os === 'android') return 'mobile';
  if (os === 'windows' || os === 'macos' || os === 'linux' || os === 'chromeos') return 'desktop';
  return 'unknown';
}

// The last answer: consecutive visits often share a browser (and the map lookup hashes the whole string).
let lastUa: string | undefined;
let lastClass: UserAgentClass | undefined;

export function classifyUserAgent(ua: string | undefined): UserAgentClass {
  if (lastClass !== undefined && ua === lastUa) return lastClass;
  lastClass = classifyCached(ua);
  lastUa = ua;
  return lastClass;
}

function classifyCached(ua: string | undefined): UserAgentClass {
  const key = (ua ?? '').slice(0, 512);
  const hit = cache.get(key);
  if (hit) return hit;
  let kind: VisitorKind;
  if (!key.trim()) kind = 'bot';
  else if (PREVIEW.test(key)) kind = 'preview';
  else if (BOT.test(key)) kind = 'bot';
  else kind = 'click';
  const os = osOf(key);
  const result: UserAgentClass = {
    // Not a secret, just a stable short key: sha1 is cheap and computed once per cached UA.
    id: crypto.hash('sha1', key, 'base64url').slice(0, 16),
    kind,
    device: kind === 'click' ? deviceOf(key, os) : 'bot',
    os,
    browser: browserOf(key),
  };
  // Bounded: a flood of random UAs just cycles the cache (oldest first).
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, result);
  return result;
}
