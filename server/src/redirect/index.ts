import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import mongoose, { Types } from 'mongoose';
import { LINK_CODE_PATTERN } from '@tular/shared';
import type { AppDeps } from '../appDeps';
import { ATTRIBUTION_COOKIE, attributionPrefix, readCookie } from '../lib/attributionCookie';
import { attributionSigner, type PreparedPrefix } from './attributionSigner';
import { RateLimiter } from '../lib/rateLimiter';
import type { ClickEventRecord } from '../models/ClickEvent';
import { classifyUserAgent, type UserAgentClass } from './classify';
import { ClickBuffer, type KeptClick } from './clickBuffer';
import { LinkCache, type ResolvedLink } from './linkCache';
import { NOT_FOUND_PAGE, RATE_LIMITED_PAGE, UNAVAILABLE_PAGE } from './pages';
import { UniqueTracker, uniqueKey, uniqueSeed } from './uniqueTracker';

export const VISITOR_COOKIE = 'tular_vid';
const VISITOR_ID = /^[A-Za-z0-9_-]{16,32}$/;
const VISITOR_MAX_AGE = 400 * 24 * 60 * 60; // the longest browsers honour
const UTM_KEYS = ['source', 'medium', 'campaign', 'content', 'term'] as const;
const COOKIE_ATTRIBUTES = '; Path=/; HttpOnly; SameSite=Lax';
const VISITOR_ATTRIBUTES = `; Max-Age=${VISITOR_MAX_AGE}${COOKIE_ATTRIBUTES}`;

interface LinkPieces {
  /** `a1.<link>.<code>.<reseller>.<shop>.`: the attribution value up to the click time, prepared for signing. */
  refPrefix: PreparedPrefix;
  /** `; Max-Age=<the shop's window>; Path=/; HttpOnly; SameSite=Lax`. */
  refSuffix: string;
  /** Unique-visitor key seeds (two 32-bit halves each): per link, one for visitor ids, one for address + browser. */
  visitorSeed1: number;
  visitorSeed2: number;
  addressSeed1: number;
  addressSeed2: number;
}

// Visitor ids: 16 random bytes as 32 hex characters (what randomUUID minus its dashes gave), cut from
// a pool refilled 512 ids at a time — one getrandom call instead of a UUID build and a replaceAll per visit.
const ID_BYTES = 16;
const idPool = Buffer.alloc(ID_BYTES * 512);
let idOffset = idPool.length;
function newVisitorId(): string {
  if (idOffset >= idPool.length) {
    crypto.randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString('hex', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}

export interface RedirectHandler {
  /** Answers `GET|HEAD /r/:code` and returns true; returns false for every other request (Express takes it). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  clicks: ClickBuffer;
  cache: LinkCache;
  close(): Promise<void>;
}

export interface RedirectOptions {
  /** Overrides for tests and the benchmark. */
  clickBuffer?: { intervalMs?: number; batchSize?: number; highWater?: number; maxBackoffMs?: number; shutdownBudgetMs?: number };
  cache?: { maxEntries?: number; ttlMs?: number; negativeTtlMs?: number };
}

/**
 * `/r/:code` on the raw Node request, before Express: a regex check, a Map lookup for the rate limit,
 * a Map lookup for the target, two cookies and a 302 — the database is only touched on a cache miss,
 * and the click is appended to an in-memory buffer written in batches.
 */
export function createRedirect(deps: AppDeps, options: RedirectOptions = {}): RedirectHandler {
  const { config, logger, bus, lifecycle } = deps;
  const cache = new LinkCache({ publicUrl: config.publicUrl, logger, bus, redisUrl: config.redisUrl, ...options.cache });
  const clicks = new ClickBuffer({ logger, bus, rollups: deps.rollups, intervalMs: config.clickFlushIntervalMs, ...options.clickBuffer });
  const unique = new UniqueTracker();
  if (mongoose.connection.readyState === 1) {
    const started = Date.now();
    cache.warm().then(
      (count) => logger.info({ links: count, ms: Date.now() - started }, 'redirect cache warmed'),
      (err: unknown) => logger.warn({ err }, 'redirect cache warm-up failed; links load on first visit'),
    );
  }
  const limiter = new RateLimiter(config.rateLimitRedirectPerMinute, 60_000);
  const publicHttps = config.publicUrl.startsWith('https:');
  const signer = attributionSigner(config.cookieSecret);

  // Behind our one trusted proxy only the entry it appended (the rightmost) is true: everything left
  // of it came from the client, who could otherwise pick a new address per request and escape the
  // rate limit and the IP-based unique count.
  const clientIp = (req: IncomingMessage): string => {
    if (config.trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      const joined = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
      const last = joined?.slice(joined.lastIndexOf(',') + 1).trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  };
  // IPs repeat (and are low-entropy, hence the HMAC): memoise the hash per address, bounded.
  const ipHashes = new Map<string, string>();
  const ipHash = (ip: string): string => {
    let hash = ipHashes.get(ip);
    if (!hash) {
      if (ipHashes.size >= 50_000) ipHashes.clear();
      hash = crypto.createHmac('sha256', config.ipHashSalt).update(ip).digest('base64url').slice(0, 22);
      ipHashes.set(ip, hash);
    }
    return hash;
  };
  // Visitor ids are random (high-entropy), so a salted one-shot hash is enough and ~3× cheaper than an HMAC.
  const visitorHash = (id: string): string => crypto.hash('sha256', `${config.ipHashSalt}|v|${id}`, 'base64url').slice(0, 22);
  const Visit = visitsHashedWith(visitorHash);

  function sendPage(res: ServerResponse, status: number, body: Buffer, head: boolean, extra: Record<string, string> = {}): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...extra,
    });
    res.end(head ? undefined : body);
  }

  // Per link, what every click on it repeats (the cache hands out the same object until it reloads the link).
  const pieces = new WeakMap<ResolvedLink, LinkPieces>();
  const piecesOf = (target: ResolvedLink): LinkPieces => {
    let p = pieces.get(target);
    if (!p) {
      const [visitorSeed1, visitorSeed2] = uniqueSeed(target.ids.link, 'v');
      const [addressSeed1, addressSeed2] = uniqueSeed(target.ids.link, 'i');
      p = {
        refPrefix: signer.prepare(attributionPrefix({ linkId: target.ids.link, code: target.code, resellerId: target.ids.reseller, shopId: target.ids.shop })),
        refSuffix: `; Max-Age=${target.attributionDays * 86_400}${COOKIE_ATTRIBUTES}`,
        visitorSeed1,
        visitorSeed2,
        addressSeed1,
        addressSeed2,
      };
      pieces.set(target, p);
    }
    return p;
  };

  function answer(req: IncomingMessage, res: ServerResponse, target: ResolvedLink | null, query: string, ip: string, head: boolean): void {
    if (!target) return sendPage(res, 404, NOT_FOUND_PAGE, head);
    const nowMs = Date.now();
    const agent = classifyUserAgent(req.headers['user-agent']);
    const click = agent.kind === 'click';
    const cookieHeader = req.headers.cookie;
    const link = piecesOf(target);
    // Flat [name, value, …] list: writeHead stores it as is (no object to build and walk per visit).
    const headers: string[] = ['Location', target.location, 'Cache-Control', 'no-store', 'Referrer-Policy', 'strict-origin-when-cross-origin', 'Content-Length', '0'];

    let visitorId = readCookie(cookieHeader, VISITOR_COOKIE) ?? '';
    const freshVisitor = !VISITOR_ID.test(visitorId);
    // Only a click keeps an id (cookie, unique key, hash): bots and previews get none.
    if (freshVisitor && click) {
      visitorId = newVisitorId();
      headers.push('Set-Cookie', `${VISITOR_COOKIE}=${visitorId}${VISITOR_ATTRIBUTES}${secureFlag(req)}`);
    }
    // Last click wins: a new cookie replaces the old one and restarts the shop's window.
    if (target.attributed && click) {
      const value = signer.sign(link.refPrefix, nowMs);
      headers.push('Set-Cookie', `${ATTRIBUTION_COOKIE}=${value}${link.refSuffix}${secureFlag(req)}`);
    } else if (click && readCookie(cookieHeader, ATTRIBUTION_COOKIE) !== undefined) {
      // The last click was an unattributed one (blocked or pending reseller): it wins too, so an
      // earlier reseller's cookie must not earn from it — replaced by none.
      headers.push('Set-Cookie', `${ATTRIBUTION_COOKIE}=; Max-Age=0${COOKIE_ATTRIBUTES}${secureFlag(req)}`);
    }
    res.writeHead(302, headers);
    endSoon(res);

    // HEAD is what link checkers send; it redirects but is not a visit.
    if (head) return;
    // The redirect is answered whatever happens next: a failure to count the visit is logged, never turned into a broken response.
    try {
      recordVisit(req, target, link, agent, visitorId, freshVisitor, ip, query, nowMs);
    } catch (err) {
      logger.error({ err, code: target.code }, 'redirect: the visit could not be counted');
    }
  }

  function recordVisit(
    req: IncomingMessage,
    target: ResolvedLink,
    link: LinkPieces,
    agent: UserAgentClass,
    visitorId: string,
    freshVisitor: boolean,
    ip: string,
    query: string,
    nowMs: number,
  ): void {
    const click = agent.kind === 'click';
    const ipDigest = ipHash(ip);
    const isUnique =
      click &&
      unique.checkPair(
        uniqueKey(link.visitorSeed1, link.visitorSeed2, visitorId),
        uniqueKey(link.addressSeed1, link.addressSeed2, ipDigest, agent.id),
        nowMs,
        freshVisitor,
      );
    // Counted now (rollups, live event); the raw event is queued only when the buffer keeps it (not
    // shed), as a Visit: what it needs, by reference — it becomes a raw event when its batch is taken.
    if (!clicks.count(target, agent.kind, isUnique, new Date(nowMs))) return;
    clicks.keep(new Visit(target, agent, ipDigest, click ? visitorId : '', isUnique, nowMs, query, req.headers.referer));
  }

  // Redirects are sent together at the end of the event-loop turn (setImmediate runs once this turn's
  // I/O callbacks are done), not one by one between the click work of the others: a response write
  // that finds the client's process asleep wakes it — on virtual machines a cross-CPU interrupt, a
  // fifth of the server's CPU per click when measured — and one after another the writes of a batch
  // find it awake. The delay is the rest of this turn's requests (a fraction of a millisecond).
  let ending: ServerResponse[] = [];
  let endScheduled = false;
  const endAll = (): void => {
    const batch = ending;
    ending = [];
    endScheduled = false;
    for (const res of batch) res.end();
  };
  function endSoon(res: ServerResponse): void {
    ending.push(res);
    if (!endScheduled) {
      endScheduled = true;
      setImmediate(endAll);
    }
  }

  function secureFlag(req: IncomingMessage): string {
    if (publicHttps) return '; Secure';
    if (config.trustProxy && req.headers['x-forwarded-proto'] === 'https') return '; Secure';
    return '';
  }

  function fail(res: ServerResponse, head: boolean, code: string, err: unknown): void {
    logger.warn({ err: (err as Error).message, code }, 'redirect: could not answer (link lookup failed and nothing cached?)');
    if (!res.headersSent) sendPage(res, 503, UNAVAILABLE_PAGE, head, { 'Retry-After': '5' });
    else res.destroy();
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (!url || url.charCodeAt(0) !== 47 /* / */ || url.charCodeAt(1) !== 114 /* r */ || url.charCodeAt(2) !== 47) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const head = req.method === 'HEAD';
    const q = url.indexOf('?');
    const code = q === -1 ? url.slice(3) : url.slice(3, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    // Malformed codes never reach the cache or the database.
    if (!LINK_CODE_PATTERN.test(code)) {
      sendPage(res, 404, NOT_FOUND_PAGE, head);
      return true;
    }
    const ip = clientIp(req);
    const retryAfter = limiter.hit(ip);
    if (retryAfter) {
      sendPage(res, 429, RATE_LIMITED_PAGE, head, { 'Retry-After': String(retryAfter) });
      return true;
    }
    const cached = cache.peek(code);
    if (cached !== undefined) {
      // No closures on the hit path: this runs for every visit.
      try {
        answer(req, res, cached, query, ip, head);
      } catch (err) {
        fail(res, head, code, err);
      }
      return true;
    }
    cache
      .get(code)
      .then((target) => answer(req, res, target, query, ip, head))
      .catch((err: unknown) => fail(res, head, code, err));
    return true;
  }

  lifecycle.onShutdown('click buffer', async () => {
    // Counters first: they are the source of truth, and raw events may use up the rest of the budget.
    // One attempt: with the database down, the rollup writer's own shutdown step does the retrying.
    await deps.rollups.flush(1).catch((err: unknown) => logger.warn({ err }, 'rollup flush before the raw click drain failed; the rollup writer retries'));
    await clicks.close();
    await cache.close();
  });

  return {
    handle,
    clicks,
    cache,
    close: async () => {
      await clicks.close();
      await cache.close();
    },
  };
}

/**
 * The kept visits of one redirect handler, waiting in the click buffer (see KeptClick): references and
 * numbers only, ~100 bytes each; the handler's salted visitor hash is shared by all of them.
 */
function visitsHashedWith(hashVisitor: (id: string) => string) {
  return class Visit implements KeptClick {
    constructor(
      private readonly target: ResolvedLink,
      private readonly agent: UserAgentClass,
      private readonly ipHash: string,
      /** '' for bots and previews (they keep no visitor id). */
      private readonly visitorId: string,
      private readonly unique: boolean,
      private readonly atMs: number,
      private readonly query: string,
      private readonly referer: string | undefined,
    ) {}

    toRecord(): ClickEventRecord {
      const { target, agent } = this;
      const record: ClickEventRecord = {
        // The click's own second in the id, as if it had been made then.
        _id: new Types.ObjectId(Math.floor(this.atMs / 1000)),
        linkId: target.linkId,
        code: target.code,
        shopId: target.shopId,
        productId: target.productId,
        resellerId: target.attributed ? target.resellerId : null,
        kind: agent.kind,
        unique: this.unique,
        ipHash: this.ipHash,
        device: agent.device,
        os: agent.os,
        browser: agent.browser,
        channel: target.channel,
        viaQr: false,
        at: new Date(this.atMs),
      };
      // Absent rather than null: smaller documents, fewer bytes for the batch insert.
      if (this.visitorId) record.visitorHash = hashVisitor(this.visitorId);
      const referrer = referrerHost(this.referer);
      if (referrer) record.referrerHost = referrer;
      if (this.query) {
        const params = new URLSearchParams(this.query);
        record.viaQr = params.get('src') === 'qr';
        for (const key of UTM_KEYS) {
          const value = params.get(`utm_${key}`);
          if (value) (record.utm ??= {})[key] = value.slice(0, 100);
        }
      }
      return record;
    }
  };
}

function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  const m = /^https?:\/\/([^/:?#@]+)/i.exec(referer);
  return m ? m[1]!.toLowerCase().slice(0, 255) : null;
}
