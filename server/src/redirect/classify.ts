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
  /** Small integer per distinct UA string, so unique-visitor keys stay short. */
  id: number;
  kind: VisitorKind;
  device: 'mobile' | 'tablet' | 'desktop' | 'bot' | 'unknown';
  os: 'android' | 'ios' | 'windows' | 'macos' | 'linux' | 'chromeos' | 'other';
  browser: 'chrome' | 'safari' | 'firefox' | 'edge' | 'samsung' | 'opera' | 'instagram' | 'facebook' | 'tiktok' | 'line' | 'other';
}

// WhatsApp's fetcher is "WhatsApp/2.23.20.0 A" (its app opens links in the phone's browser, whose UA differs).
const PREVIEW =
  /^WhatsApp\/|facebookexternalhit|Facebot|TelegramBot|Twitterbot|Slackbot|Slack-ImgProxy|Discordbot|LinkedInBot|SkypeUriPreview|Pinterestbot|redditbot|vkShare|Iframely|Embedly|Mastodon|Google-PageRenderer|KakaoTalk-Scrap|Bluesky Cardyb/i;
const BOT =
  /bot\b|bot\/|crawl|spider|slurp|headless|phantomjs|puppeteer|playwright|selenium|lighthouse|pagespeed|curl\/|wget\/|httpie|python-|aiohttp|go-http-client|java\/|okhttp|axios\/|node-fetch|undici|got \(|libwww|lwp-|httpclient|http_request|scrapy|feedfetcher|monitor|uptime|preview|bingpreview|facebookcatalog|ahrefs|semrush|mj12|dotbot|yandex|baidu|petal|bytespider|gptbot|ccbot|claudebot|perplexity/i;

const MAX_CACHED = 2000;
const cache = new Map<string, UserAgentClass>();
let nextId = 1;

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
  if (/iPad|Tablet/i.test(ua) || (os === 'android' && !/Mobile/i.test(ua))) return 'tablet';
  if (/Mobi|iPhone|iPod/i.test(ua) || os === 'android') return 'mobile';
  if (os === 'windows' || os === 'macos' || os === 'linux' || os === 'chromeos') return 'desktop';
  return 'unknown';
}

export function classifyUserAgent(ua: string | undefined): UserAgentClass {
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
    id: nextId++,
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
