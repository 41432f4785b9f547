import crypto from 'node:crypto';
import { Types } from 'mongoose';
import Redis from 'ioredis';
import { productPagePath, shopPagePath, type Channel, type Segment } from '@tular/shared';
import type { EventBus, LinkChanged, MembershipChanged, ShopChanged } from '../events/bus';
import type { Logger } from '../lib/logger';
import { LinkModel, type LinkFields } from '../models/Link';
import { ShopModel, type ShopFields } from '../models/Shop';
import { ProductModel, type ProductFields } from '../models/Product';
import { MembershipModel, type MembershipFields } from '../models/Membership';
import { findLinkByCode } from '../commands/links/linkByCode';
import { findMembership } from '../commands/memberships/membershipOf';

/** Everything the redirect needs to answer and to record a click, resolved once per code. */
export interface ResolvedLink {
  code: string;
  linkId: Types.ObjectId;
  shopId: Types.ObjectId;
  productId: Types.ObjectId | null;
  resellerId: Types.ObjectId;
  /** String forms, computed once (rollups and events key on strings). */
  ids: { link: string; shop: string; product?: string; reseller: string };
  /** False while the reseller's membership is pending or blocked: redirect, but nobody earns. */
  attributed: boolean;
  segment?: Segment;
  channel: Channel;
  timezone: string;
  attributionDays: number;
  location: string;
}

interface Entry {
  /** Only usable links; "not found / disabled" answers live in `notFound`. */
  value: ResolvedLink;
  /** After this the entry is served once more while it refreshes in the background. */
  freshUntil: number;
  /** Invalidated by an event: the next request reloads before answering (falls back to this value if the DB is down). */
  stale: boolean;
  /** When the entry last moved to the back of the LRU order. */
  touchedAt?: number;
}

export interface LinkCacheOptions {
  publicUrl: string;
  logger: Logger;
  bus: EventBus;
  redisUrl?: string;
  maxEntries?: number;
  ttlMs?: number;
  negativeTtlMs?: number;
  /** Bound of the "no such code" map, kept apart so unknown codes never push real links out of the LRU. */
  maxNegative?: number;
}

export const CACHE_CHANNEL = 'tular:cache';
/** Background reloads of expired entries in flight at once (see queueRefresh). */
const REFRESH_CONCURRENCY = 2;
/**
 * Misses of codes that turned out to exist, within one second, that trigger a bulk warm-up. Only real
 * links count: a flood of made-up codes costs one indexed lookup each and never a bulk reload.
 */
const MISS_STORM = 50;
const SHOP_FIELDS = { slug: 1, timezone: 1, attributionDays: 1, active: 1 } as const;
// `active`: a withdrawn product's links must stop sending buyers (and setting cookies) at once.
const PRODUCT_FIELDS = { marketplace: 1, active: 1 } as const;
const MEMBERSHIP_FIELDS = { shopId: 1, resellerId: 1, status: 1, segment: 1 } as const;
type LinkRow = Pick<LinkFields, 'code' | 'active' | 'channel' | 'destination'> & { _id: Types.ObjectId; shopId: Types.ObjectId; resellerId: Types.ObjectId; productId?: Types.ObjectId | null };
type ShopRow = Pick<ShopFields, 'slug' | 'timezone' | 'attributionDays' | 'active'> & { _id: Types.ObjectId };
type ProductRow = Pick<ProductFields, 'marketplace' | 'active'> & { _id: Types.ObjectId };
type MembershipRow = Pick<MembershipFields, 'status' | 'segment'> & { shopId: Types.ObjectId; resellerId: Types.ObjectId };

type Invalidation = { kind: 'link'; code: string } | { kind: 'membership'; shopId: string; resellerId: string } | { kind: 'shop'; shopId: string };

/**
 * code → resolved target, in process memory: a cache hit answers without touching the database.
 * LRU-bounded, refreshed after `ttlMs` in the background, and invalidated by link/membership/shop
 * events — locally from the bus and, with REDIS_URL, from other instances over pub/sub. Entries are
 * never dropped because the database is down: a stale target beats an error page. Codes with no
 * usable link are remembered apart (bounded, short TTL), so a flood of made-up codes never evicts a
 * real link.
 */
export class LinkCache {
  private entries = new Map<string, Entry>();
  /** code → expiry of a "not found / disabled" answer. Insertion order = expiry order (one TTL). */
  private notFound = new Map<string, number>();
  private loading = new Map<string, Promise<ResolvedLink | null>>();
  private missWindow = { start: 0, count: 0 };
  private warming: Promise<number> | null = null;
  private lastWarm = 0;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxNegative: number;
  private readonly instanceId = crypto.randomBytes(6).toString('hex');
  private pub?: Redis;
  private sub?: Redis;
  private readonly detach: () => void;
  private closing?: Promise<void>;
  private refreshQueue = new Set<string>();
  private refreshing = 0;
  stats = { hits: 0, misses: 0, loadErrors: 0, invalidations: 0, bulkWarms: 0, refreshes: 0 };

  constructor(private readonly opts: LinkCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 30_000;
    this.maxNegative = opts.maxNegative ?? 10_000;
    const onLink = (e: LinkChanged): void => this.publish({ kind: 'link', code: e.code });
    const onMembership = (e: MembershipChanged): void => this.publish({ kind: 'membership', shopId: e.shopId, resellerId: e.resellerId });
    const onShop = (e: ShopChanged): void => this.publish({ kind: 'shop', shopId: e.shopId });
    opts.bus.on('link', onLink);
    opts.bus.on('membership', onMembership);
    opts.bus.on('shop', onShop);
    this.detach = () => {
      opts.bus.off('link', onLink);
      opts.bus.off('membership', onMembership);
      opts.bus.off('shop', onShop);
    };
    if (opts.redisUrl) this.connectRedis(opts.redisUrl);
  }

  /** The cached target when it can be used right now without waiting; undefined means "call load". */
  peek(code: string, now = Date.now()): ResolvedLink | null | undefined {
    const entry = this.entries.get(code);
    if (!entry) {
      const until = this.notFound.get(code);
      // Expired: look again (kept until then, as the answer to fall back on while the database is down).
      if (until === undefined || until <= now) return undefined;
      this.stats.hits += 1;
      return null;
    }
    if (entry.stale) return undefined;
    // Refresh recency for the LRU bound (Map order = least recently used first), at most once a second
    // per entry: a move is a delete and an insert in a Map of up to 100k links, on every visit, and
    // the eviction order needs no finer grain than a second.
    if (!(now - (entry.touchedAt ?? Number.NEGATIVE_INFINITY) < 1000)) {
      this.entries.delete(code);
      this.entries.set(code, entry);
      entry.touchedAt = now;
    }
    if (entry.freshUntil <= now) {
      // Serve the old answer now; a background reload, in line with the others, brings the new one.
      entry.freshUntil = now + this.ttlMs;
      this.queueRefresh(code);
    }
    this.stats.hits += 1;
    return entry.value;
  }

  /**
   * Entries loaded together (a warm-up, the first visits after a start) expire together: reloading
   * each one the moment it was next visited sent every cached link's lookups to the database within
   * seconds, once per TTL — on FerretDB ~4 reads a link, which slowed the whole server for a minute
   * (the fan-out benchmark's probes waited 300+ ms). Reloads of expired entries wait in line,
   * REFRESH_CONCURRENCY at a time, and the entry answers meanwhile; a real change arrives as an
   * event and is reloaded on the next visit, not queued.
   */
  private queueRefresh(code: string): void {
    this.refreshQueue.add(code);
    this.pumpRefreshes();
  }

  private pumpRefreshes(): void {
    while (this.refreshing < REFRESH_CONCURRENCY && this.refreshQueue.size > 0 && !this.closing) {
      const code = this.refreshQueue.values().next().value as string;
      this.refreshQueue.delete(code);
      // Evicted while it waited: nothing cached to refresh (a visit loads it again if it comes back).
      if (!this.entries.has(code)) continue;
      this.refreshing += 1;
      this.stats.refreshes += 1;
      void this.load(code)
        .catch(() => undefined)
        .finally(() => {
          this.refreshing -= 1;
          this.pumpRefreshes();
        });
    }
  }

  /** Loads (coalescing concurrent misses); when the database fails, falls back to a stale entry or rethrows. */
  async get(code: string): Promise<ResolvedLink | null> {
    const cached = this.peek(code);
    if (cached !== undefined) return cached;
    this.stats.misses += 1;
    if (this.warming) {
      // A bulk load is under way: one scan will answer this too, rather than a lookup of its own.
      await this.warming.catch(() => undefined);
      const warmed = this.peek(code);
      if (warmed !== undefined) return warmed;
    }
    try {
      return await this.load(code);
    } catch (err) {
      this.stats.loadErrors += 1;
      const stale = this.entries.get(code);
      if (stale) return stale.value;
      if (this.notFound.has(code)) return null;
      throw err;
    }
  }

  /**
   * A storm of misses on real links (a cold cache after a deploy, a campaign over many new links)
   * costs a lookup per code; past a threshold one bulk warm-up loads them all instead. At most every
   * 10 s. Called only when a lookup found a link, so unknown codes cannot start a reload.
   */
  private noteFoundMiss(now = Date.now()): void {
    if (now - this.missWindow.start > 1000) this.missWindow = { start: now, count: 0 };
    this.missWindow.count += 1;
    if (this.missWindow.count < MISS_STORM || this.warming || now - this.lastWarm < 10_000) return;
    this.lastWarm = now;
    this.stats.bulkWarms += 1;
    this.warm().then(
      (count) => this.opts.logger.info({ links: count }, 'redirect cache: miss storm, warmed in bulk'),
      (err: unknown) => this.opts.logger.warn({ err }, 'redirect cache: bulk warm-up failed'),
    );
  }

  private load(code: string): Promise<ResolvedLink | null> {
    let pending = this.loading.get(code);
    if (!pending) {
      const wasCached = this.entries.has(code);
      pending = this.resolve(code)
        .then((value) => {
          const now = Date.now();
          if (value) {
            this.notFound.delete(code);
            this.set(code, { value, freshUntil: now + this.ttlMs, stale: false });
            if (!wasCached) this.noteFoundMiss(now);
          } else {
            this.entries.delete(code);
            this.setNotFound(code, now);
          }
          return value;
        })
        .finally(() => this.loading.delete(code));
      this.loading.set(code, pending);
    }
    return pending;
  }

  private setNotFound(code: string, now: number): void {
    this.notFound.delete(code);
    this.notFound.set(code, now + this.negativeTtlMs);
    // One TTL for all, so the oldest entry is also the first to expire: drop from the front.
    while (this.notFound.size > this.maxNegative) this.notFound.delete(this.notFound.keys().next().value as string);
  }

  private set(code: string, entry: Entry): void {
    this.entries.delete(code);
    this.entries.set(code, entry);
    entry.touchedAt = Date.now();
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /**
   * One code, by `_id` reads only: the link and the membership through the same key pointers as the
   * checkout (FerretDB answers only a bare `{_id}` filter from an index; `{code}` scans every link).
   */
  private async resolve(code: string): Promise<ResolvedLink | null> {
    const link = await findLinkByCode(code);
    if (!link || !link.active) return null;
    const [shop, product, membership] = await Promise.all([
      ShopModel.findById(link.shopId, SHOP_FIELDS).lean(),
      link.productId ? ProductModel.findById(link.productId, PRODUCT_FIELDS).lean() : Promise.resolve(null),
      findMembership(link.shopId, link.resellerId),
    ]);
    return this.build(link, shop, product, membership);
  }

  /**
   * Fills the cache with the newest active links (up to the LRU bound) in a few bulk reads, so a
   * restart does not send every first visit to the database. Runs in the background at boot and on a
   * miss storm; meanwhile a miss waits for it instead of loading its link on its own (on FerretDB a
   * lookup competing with the bulk reads took seconds: 3 visits/s right after a start with 10,000
   * links). One at a time: a call while one runs gets that one.
   */
  warm(limit = this.maxEntries): Promise<number> {
    if (this.warming) return this.warming;
    const run = this.loadAll(limit).finally(() => {
      if (this.warming === run) this.warming = null;
    });
    this.warming = run;
    return run;
  }

  private async loadAll(limit: number): Promise<number> {
    const links = await LinkModel.find({ active: true }).sort({ _id: -1 }).limit(limit).lean();
    const shopIds = [...new Set(links.map((l) => String(l.shopId)))];
    const shops: ShopRow[] = [];
    const products: ProductRow[] = [];
    const memberships: MembershipRow[] = [];
    // By shop, in chunks: bounded `$in` lists on MongoDB, and few scans on FerretDB.
    for (let i = 0; i < shopIds.length; i += 500) {
      const chunk = shopIds.slice(i, i + 500).map((id) => new Types.ObjectId(id));
      const [s, p, m] = await Promise.all([
        ShopModel.find({ _id: { $in: chunk } }, SHOP_FIELDS).lean(),
        ProductModel.find({ shopId: { $in: chunk } }, { ...PRODUCT_FIELDS, shopId: 1 }).lean(),
        MembershipModel.find({ shopId: { $in: chunk } }, MEMBERSHIP_FIELDS).lean(),
      ]);
      shops.push(...s);
      products.push(...p);
      memberships.push(...m);
    }
    const shopById = new Map(shops.map((x) => [String(x._id), x]));
    const productById = new Map(products.map((x) => [String(x._id), x]));
    const membershipOf = new Map(memberships.map((m) => [`${String(m.shopId)}:${String(m.resellerId)}`, m]));
    const now = Date.now();
    let warmed = 0;
    // Oldest first, so the newest links end up most recently used in the LRU order.
    for (const link of links.reverse()) {
      // A request may have loaded (or an event invalidated) it meanwhile: that answer is newer.
      if (this.entries.has(link.code) || this.notFound.has(link.code)) continue;
      const value = this.build(
        link,
        shopById.get(String(link.shopId)) ?? null,
        link.productId ? (productById.get(String(link.productId)) ?? null) : null,
        membershipOf.get(`${String(link.shopId)}:${String(link.resellerId)}`) ?? null,
      );
      // Spread the refreshes so they do not all come due in the same second.
      if (!value) continue;
      this.set(link.code, { value, freshUntil: now + this.ttlMs * (0.5 + Math.random() / 2), stale: false });
      warmed += 1;
    }
    return warmed;
  }

  private build(link: LinkRow, shop: ShopRow | null, product: ProductRow | null, membership: MembershipRow | null): ResolvedLink | null {
    if (!link.active || !shop || shop.active === false) return null;
    if (link.productId && (!product || product.active === false)) return null;
    const code = link.code;
    const attributed = membership?.status === 'approved';
    const marketplaceUrl = link.destination !== 'page' ? product?.marketplace?.[link.destination] : undefined;
    let location: string;
    // URL#href percent-encodes anything a Location header could not carry.
    if (marketplaceUrl && URL.canParse(marketplaceUrl)) location = new URL(marketplaceUrl).href;
    else {
      const page = `${this.opts.publicUrl}${link.productId ? productPagePath(String(link.productId)) : shopPagePath(shop.slug)}`;
      // The page quotes the code in its WhatsApp order message, so attribution survives the hop into a chat.
      location = attributed ? `${page}?ref=${code}` : page;
    }
    return {
      code,
      linkId: link._id,
      shopId: link.shopId,
      productId: link.productId ?? null,
      resellerId: link.resellerId,
      ids: {
        link: String(link._id),
        shop: String(link.shopId),
        ...(link.productId ? { product: String(link.productId) } : {}),
        reseller: String(link.resellerId),
      },
      attributed,
      ...(attributed && membership?.segment ? { segment: membership.segment } : {}),
      channel: link.channel,
      timezone: shop.timezone ?? 'Asia/Jakarta',
      attributionDays: shop.attributionDays ?? 7,
      location,
    };
  }

  /** Applies an invalidation here and tells the other instances. */
  private publish(msg: Invalidation): void {
    this.invalidate(msg);
    if (this.pub) {
      this.pub.publish(CACHE_CHANNEL, JSON.stringify({ from: this.instanceId, ...msg })).catch((err: unknown) => {
        this.opts.logger.warn({ err }, 'cache invalidation could not be published; other instances refresh on their TTL');
      });
    }
  }

  invalidate(msg: Invalidation): void {
    this.stats.invalidations += 1;
    if (msg.kind === 'link') {
      const entry = this.entries.get(msg.code);
      if (entry) entry.stale = true;
      this.notFound.delete(msg.code);
      return;
    }
    // Rare (an owner's decision), so a scan of the cache is fine.
    for (const entry of this.entries.values()) {
      const v = entry.value;
      if (v.ids.shop === msg.shopId && (msg.kind === 'shop' || v.ids.reseller === msg.resellerId)) entry.stale = true;
    }
    // A shop or product coming back to life must not stay hidden behind "not found" answers.
    if (msg.kind === 'shop') this.notFound.clear();
  }

  private connectRedis(url: string): void {
    const options = { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false } as const;
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true });
    for (const client of [this.pub, this.sub]) {
      client.on('error', (err: Error) => this.opts.logger.warn({ err: err.message }, 'redis (link cache) error'));
    }
    this.sub.subscribe(CACHE_CHANNEL).catch((err: unknown) => this.opts.logger.warn({ err }, 'could not subscribe to cache invalidations'));
    this.sub.on('message', (_channel: string, raw: string) => {
      try {
        const msg = JSON.parse(raw) as Invalidation & { from?: string };
        if (msg.from === this.instanceId) return;
        if (msg.kind === 'link' && typeof msg.code === 'string') this.invalidate({ kind: 'link', code: msg.code });
        else if (msg.kind === 'membership' && typeof msg.shopId === 'string' && typeof msg.resellerId === 'string') {
          this.invalidate({ kind: 'membership', shopId: msg.shopId, resellerId: msg.resellerId });
        } else if (msg.kind === 'shop' && typeof msg.shopId === 'string') this.invalidate({ kind: 'shop', shopId: msg.shopId });
      } catch {
        // Not ours or garbled: ignore.
      }
    });
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Idempotent: the redirect's close() and its shutdown hook both call it. A second quit() on an ended
   * client would fall back to disconnect(), whose 2 s (ref'd) force-close timer kept test workers alive.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.detach();
      this.refreshQueue.clear();
      await Promise.all(
        [this.pub, this.sub].map((c) => (c && c.status !== 'end' ? c.quit().then(() => undefined, () => c.disconnect()) : undefined)),
      );
    })();
    return this.closing;
  }
}
