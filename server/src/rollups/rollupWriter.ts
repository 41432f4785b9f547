import crypto from 'node:crypto';
import mongoose from 'mongoose';
import type { Channel, Segment } from '@tular/shared';
import { writesAreSerialized } from '../db/writeLock';
import type { Logger } from '../lib/logger';
import { emptyCounts, ROLLUP_COUNTERS, rollupWrites, type RollupCounter, type RollupCounts, type RollupGranularity, type RollupScope, type RollupUpdate } from '../models/Rollup';
import type { WriteCommandReply } from '../db/groupCommit';
import { bucketsFor, type Bucket } from './buckets';
import { registerWriter } from './writerRegistry';

/** One thing that happened, as the click and order paths report it; counts may be negative (a refund). */
export interface RollupFact {
  shopId: string;
  /** The shop's IANA time zone; day buckets follow it. */
  timezone: string;
  at: Date;
  productId?: string;
  resellerId?: string;
  linkId?: string;
  segment?: Segment;
  channel?: Channel;
  counts: Partial<Record<RollupCounter, number>>;
}

interface PendingBucket {
  _id: string;
  shopId: string;
  scope: RollupScope;
  key: string;
  granularity: RollupGranularity;
  period: string;
  start: Date;
  inc: Partial<Record<RollupCounter, number>>;
  /** Live lane only: the writer's add sequence at the last add to it, stored as `liveV` (see LiveTally). */
  v?: number;
}

/**
 * This writer's running total of one shop's day, everything added since the process started — which
 * is exactly what its own bucket document `<shop>|shop|<shop>|day|<day>|<writer>` will hold once
 * written (writer ids are fresh per process). `v` is the writer's add sequence at the last add to it;
 * the live lane stores the same number as `liveV` with the counters it writes, so "stored at v" and
 * "in memory at v" are the same counts and a reader can tell which of two is newer.
 */
export interface LiveTally {
  shopId: string;
  day: string;
  start: Date;
  v: number;
  counts: RollupCounts;
}

interface LinkMemo {
  epoch: number;
  buckets: [Bucket, Bucket];
  shopId: string;
  productId?: string;
  resellerId?: string;
  segment?: Segment;
  channel?: Channel;
  slots: Slot[];
  entries: PendingBucket[];
}

/** A bucket document a fact lands in, with its id built once. */
interface Slot {
  id: string;
  shopId: string;
  scope: RollupScope;
  key: string;
  bucket: Bucket;
}

interface Batch {
  flushId: string;
  buckets: PendingBucket[];
  /** Buckets before this index are written. */
  next: number;
  /** An attempt failed with an unknown outcome: later attempts must skip what already landed. */
  retried: boolean;
}

export interface RollupWriterOptions {
  logger?: Logger;
  /** How often the timer flushes (ms); 0 disables the timer (the rebuild command flushes by hand). */
  intervalMs?: number;
  /** The live lane (shop counters) is written at most this often and this soon after a quiet-time add. */
  liveIntervalMs?: number;
  /** Fixed writer id; by default a random one per instance, so no two writers share a document. */
  writerId?: string;
  /** Operations per bulkWrite call; by default 500 on MongoDB, 32 on FerretDB (see FERRETDB_CHUNK). */
  chunkSize?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * FerretDB v1.24.2 (SQLite) keeps the query cursor of every statement of one `update` command open
 * until the whole command ends, one pooled SQLite connection each, out of 100: an update command with
 * ≥ 100 statements that match existing documents waits forever for a connection, and every other
 * client of that database waits with it (measured: 99 → 76 ms, 100 → hung). 32 statements leave room
 * for the rest of the server's pool (20 connections × 2 each).
 */
const FERRETDB_CHUNK = 32;
/** How often a writer renews its `rollup_writers` entry (well inside the registry's 50 h window). */
const REGISTER_EVERY_MS = 10 * 60_000;
/** Running day totals are kept this long after their day starts (a local day lies within the last 50 h). */
const TALLY_KEEP_MS = 50 * 3_600_000;

export function rollupDocId(shopId: string, scope: RollupScope, key: string, granularity: RollupGranularity, period: string, writer: string): string {
  return `${shopId}|${scope}|${key}|${granularity}|${period}|${writer}`;
}

/**
 * Local hour and day buckets change only on 15-minute UTC marks (every zone offset and DST switch is
 * a multiple of 15 minutes), so the Intl work of bucketsFor is done once per zone and quarter hour,
 * not once per click. Within one local hour the same pair object is handed out across quarter hours:
 * the per-link and per-shop memos key on its identity, and a new pair every 15 minutes made every
 * active link rebuild its ten bucket slots and document ids (~1.7 kB each) — a burst of garbage
 * collection under load four times an hour instead of once.
 */
const QUARTER_HOUR = 900_000;
const bucketMemo = new Map<string, { slot: number; buckets: [Bucket, Bucket] }>();
export function cachedBuckets(at: Date, timezone: string): [Bucket, Bucket] {
  const slot = Math.floor(at.getTime() / QUARTER_HOUR);
  const hit = bucketMemo.get(timezone);
  if (hit && hit.slot === slot) return hit.buckets;
  let buckets = bucketsFor(at, timezone);
  if (hit && hit.buckets[0].period === buckets[0].period && hit.buckets[1].period === buckets[1].period) buckets = hit.buckets;
  if (!hit || slot > hit.slot) bucketMemo.set(timezone, { slot, buckets });
  return buckets;
}

/**
 * `inc[c] += v` with a named property per counter: a click does twelve of these, and an access by a
 * variable key (`inc[c]`) on objects of several shapes is a slow megamorphic lookup each time.
 */
function bumpCounter(inc: Partial<Record<RollupCounter, number>>, c: RollupCounter, v: number): void {
  switch (c) {
    case 'clicks':
      inc.clicks = (inc.clicks ?? 0) + v;
      return;
    case 'uniqueClicks':
      inc.uniqueClicks = (inc.uniqueClicks ?? 0) + v;
      return;
    case 'botClicks':
      inc.botClicks = (inc.botClicks ?? 0) + v;
      return;
    case 'previews':
      inc.previews = (inc.previews ?? 0) + v;
      return;
    default:
      // Orders and refunds: far rarer than clicks.
      inc[c] = (inc[c] ?? 0) + v;
  }
}

/**
 * Buffers counter increments in memory, merged per bucket document, and writes them in ordered
 * bulk `$inc` upserts — behind the click and order paths, never on the request.
 *
 * Two lanes: the shop-scope buckets (what the live dashboard counts) are written first, every
 * `liveIntervalMs`, between chunks of everything else, so stored shop counters lag by one live batch,
 * not by the (much larger) per-link/product/reseller backlog. Live events do not wait for either: the
 * writer keeps each shop's running day total in memory (`dayTally`), which the live dashboard shows at
 * once, versioned so that stored and in-memory figures can be told apart (see LiveTally).
 *
 * Exactly-once per batch: each flush has an id, stored as `lastFlush`; after an attempt whose outcome
 * is unknown, the upsert filter skips a document that already carries it, so a retried batch never
 * counts twice (the skipped upsert surfaces as a duplicate key, which we step over). Increments that
 * arrive while a batch is being retried wait in the buffer for the next batch.
 */
export class RollupWriter {
  readonly writerId: string;
  private live = new Map<string, PendingBucket>();
  private buffer = new Map<string, PendingBucket>();
  /** Bumped whenever `buffer` is replaced: remembered entries of an older buffer are stale. */
  private bufferEpoch = 0;
  private linkMemo = new Map<string, LinkMemo>();
  private shopSlots = new Map<string, { buckets: [Bucket, Bucket]; slots: Slot[]; tally: LiveTally }>();
  private shared = new Map<string, { buckets: [Bucket, Bucket]; slots: [Slot, Slot] }>();
  private tallies = new Map<string, LiveTally>();
  /** Bumped by every add that counts something: the version of the tallies and of the stored `liveV`. */
  private seq = 0;
  private liveBatch: Batch | null = null;
  private bulkBatch: Batch | null = null;
  private flushSeq = 0;
  private lastLiveCut = 0;
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private registeredAt = Number.NEGATIVE_INFINITY;
  private failures = 0;
  private retryAt = 0;
  private timer?: NodeJS.Timeout;
  private liveTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly logger?: Logger;
  private readonly chunkOption?: number;
  private readonly liveIntervalMs: number;

  constructor(options: RollupWriterOptions = {}) {
    this.writerId = options.writerId ?? crypto.randomBytes(6).toString('hex');
    this.logger = options.logger;
    this.chunkOption = options.chunkSize;
    this.liveIntervalMs = options.liveIntervalMs ?? 50;
    const intervalMs = options.intervalMs ?? 250;
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.tick(), intervalMs);
      this.timer.unref();
    } else {
      // The rebuild command and unit tests flush by hand; nothing runs behind their back.
      this.closed = true;
    }
  }

  /** Adds a fact's increments (in memory at once: `dayTally`; stored by the next flush). */
  add(fact: RollupFact): void {
    // Runs for every click: the counters are read in place (no copy of `counts`, no Object.keys).
    const counts = fact.counts;
    const counters: RollupCounter[] = [];
    for (const c of ROLLUP_COUNTERS) {
      const v = counts[c];
      if (typeof v === 'number' && Number.isFinite(v) && v !== 0) counters.push(c);
    }
    if (counters.length === 0) return;
    const buckets = cachedBuckets(fact.at, fact.timezone);
    const shop = this.liveSlots(fact.shopId, buckets);
    const v = (this.seq += 1);
    for (const slot of shop.slots) {
      const entry = this.entryAt(this.live, slot);
      entry.v = v;
      for (const c of counters) bumpCounter(entry.inc, c, counts[c]!);
    }
    const tally = shop.tally;
    tally.v = v;
    for (const c of counters) bumpCounter(tally.counts, c, counts[c]!);
    for (const entry of this.bulkEntries(fact, buckets)) for (const c of counters) bumpCounter(entry.inc, c, counts[c]!);
    this.scheduleLive();
  }

  /** The shop's two live-lane buckets and its day tally; remembered per shop and bucket pair (no string builds per click). */
  private liveSlots(shopId: string, buckets: [Bucket, Bucket]): { slots: Slot[]; tally: LiveTally } {
    let memo = this.shopSlots.get(shopId);
    if (!memo || memo.buckets !== buckets) {
      if (this.shopSlots.size >= 100_000) this.shopSlots.clear();
      memo = { buckets, slots: this.sharedSlots(shopId, 'shop', shopId, buckets), tally: this.tallyFor(shopId, buckets[1]) };
      this.shopSlots.set(shopId, memo);
    }
    return memo;
  }

  private tallyFor(shopId: string, day: Bucket): LiveTally {
    const key = `${shopId}|${day.period}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      // A new day for a shop (rare): yesterday's-yesterday tallies go.
      const oldest = Date.now() - TALLY_KEEP_MS;
      for (const [k, t] of this.tallies) if (t.start.getTime() < oldest) this.tallies.delete(k);
      tally = { shopId, day: day.period, start: day.start, v: 0, counts: emptyCounts() };
      this.tallies.set(key, tally);
    }
    return tally;
  }

  /**
   * The bulk-lane bucket entries a fact increments. Clicks on one link repeat the same ten entries
   * until the hour changes, so their document ids are remembered per link, and the entries themselves
   * until the buffer is cut (every flush): the hot path then skips building ten document ids, and
   * between cuts the ten lookups in a map of tens of thousands of keys too.
   */
  private bulkEntries(fact: RollupFact, buckets: [Bucket, Bucket]): PendingBucket[] {
    const memo = fact.linkId ? this.linkMemo.get(fact.linkId) : undefined;
    if (
      memo &&
      memo.buckets === buckets &&
      memo.shopId === fact.shopId &&
      memo.productId === fact.productId &&
      memo.resellerId === fact.resellerId &&
      memo.segment === fact.segment &&
      memo.channel === fact.channel
    ) {
      if (memo.epoch !== this.bufferEpoch) {
        memo.entries = memo.slots.map((slot) => this.entryAt(this.buffer, slot));
        memo.epoch = this.bufferEpoch;
      }
      return memo.entries;
    }
    const slots: Slot[] = [];
    if (fact.productId) slots.push(...this.sharedSlots(fact.shopId, 'product', fact.productId, buckets));
    for (const bucket of buckets) {
      if (fact.resellerId) slots.push(this.slot(fact.shopId, 'reseller', fact.resellerId, bucket));
      if (fact.linkId) slots.push(this.slot(fact.shopId, 'link', fact.linkId, bucket));
    }
    if (fact.segment) slots.push(...this.sharedSlots(fact.shopId, 'segment', fact.segment, buckets));
    if (fact.channel) slots.push(...this.sharedSlots(fact.shopId, 'channel', fact.channel, buckets));
    const entries = slots.map((slot) => this.entryAt(this.buffer, slot));
    if (fact.linkId) {
      if (this.linkMemo.size >= 100_000) this.linkMemo.clear();
      this.linkMemo.set(fact.linkId, {
        epoch: this.bufferEpoch,
        buckets,
        shopId: fact.shopId,
        productId: fact.productId,
        resellerId: fact.resellerId,
        segment: fact.segment,
        channel: fact.channel,
        slots,
        entries,
      });
    }
    return entries;
  }

  /**
   * The hour and day slots of a scope many links of a shop share (the shop itself, its product,
   * segment and channel), made once per bucket pair: when the hour turns, every active link rebuilds
   * its memo, and without this each built its own copies of these slots and their document ids — a
   * burst of young garbage at the top of every hour and after every start.
   */
  private sharedSlots(shopId: string, scope: RollupScope, key: string, buckets: [Bucket, Bucket]): [Slot, Slot] {
    const id = `${shopId}|${scope}|${key}`;
    let memo = this.shared.get(id);
    if (!memo || memo.buckets !== buckets) {
      if (this.shared.size >= 100_000) this.shared.clear();
      memo = { buckets, slots: [this.slot(shopId, scope, key, buckets[0]), this.slot(shopId, scope, key, buckets[1])] };
      this.shared.set(id, memo);
    }
    return memo.slots;
  }

  private slot(shopId: string, scope: RollupScope, key: string, bucket: Bucket): Slot {
    return { id: rollupDocId(shopId, scope, key, bucket.granularity, bucket.period, this.writerId), shopId, scope, key, bucket };
  }

  private entryAt(into: Map<string, PendingBucket>, slot: Slot): PendingBucket {
    let entry = into.get(slot.id);
    if (!entry) {
      const { id, shopId, scope, key, bucket } = slot;
      entry = { _id: id, shopId, scope, key, granularity: bucket.granularity, period: bucket.period, start: bucket.start, inc: {} };
      into.set(id, entry);
    }
    return entry;
  }

  /**
   * Everything this writer added to the shop's day `day` (its local date) so far, with the version of
   * the last add — whether stored yet or not. Null when nothing was added (the writer's part is zero).
   * Read-only: callers copy what they send.
   */
  dayTally(shopId: string, day: string): Readonly<LiveTally> | null {
    return this.tallies.get(`${shopId}|${day}`) ?? null;
  }

  /** The tally of the day this shop's last add counted in (what a live event about that add reports). */
  latestTally(shopId: string): Readonly<LiveTally> | null {
    return this.shopSlots.get(shopId)?.tally ?? null;
  }

  /** Bucket documents waiting to be written (buffered plus batches under way). */
  get backlog(): number {
    const left = (b: Batch | null): number => (b ? b.buckets.length - b.next : 0);
    return this.live.size + this.buffer.size + left(this.liveBatch) + left(this.bulkBatch);
  }

  /** Writes everything added so far; retries with backoff, then rejects (nothing is lost: the next flush retries). */
  flush(maxAttempts = 8): Promise<void> {
    const run = this.chain.then(() => this.flushNow(maxAttempts));
    // The chain never rejects, so one failed flush does not poison the next.
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Flushes what is left and stops the timers (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.liveTimer = null;
    await this.flush();
  }

  /** A quiet server writes a live batch soon after the first add, instead of at the next 250 ms tick. */
  private scheduleLive(): void {
    if (this.liveTimer || this.running || this.closed) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = null;
      this.tick();
    }, this.liveIntervalMs);
    this.liveTimer.unref();
  }

  private tick(): void {
    if (this.running || Date.now() < this.retryAt) return;
    if (this.backlog === 0) return;
    if (mongoose.connection.readyState !== 1) return;
    void this.flush(1).catch((err: unknown) => {
      this.retryAt = Date.now() + backoffMs(this.failures);
      this.logger?.warn({ err, backlog: this.backlog }, 'rollup flush failed; will retry');
    });
  }

  /**
   * Every writer (servers and the rebuild command alike) says in `rollup_writers` that it owns bucket
   * documents, so live readers find its documents by exact `_id`. Best effort: a failed registration
   * is tried again at the next flush and never holds counters back.
   */
  private async registerSelf(): Promise<void> {
    if (Date.now() - this.registeredAt < REGISTER_EVERY_MS) return;
    try {
      await registerWriter(this.writerId);
      this.registeredAt = Date.now();
    } catch {
      // The database is down: the flush below retries with backoff, and so will this.
    }
  }

  private get chunkSize(): number {
    return this.chunkOption ?? (writesAreSerialized() ? FERRETDB_CHUNK : 500);
  }

  /**
   * Drains the bulk lane as it stands now, chunk by chunk; between chunks, the live lane is written
   * whenever it is due. Ends with the live lane empty.
   */
  private async flushNow(maxAttempts: number): Promise<void> {
    this.running = true;
    try {
      await this.registerSelf();
      for (let attempt = 1; ; attempt += 1) {
        try {
          let cutBulk = false;
          let finalLive = false;
          for (;;) {
            if (this.liveBatch || (this.live.size > 0 && Date.now() - this.lastLiveCut >= this.liveIntervalMs)) {
              await this.writeLive();
              continue;
            }
            if (this.bulkBatch) {
              await this.writeChunk(this.bulkBatch);
              if (this.bulkBatch.next >= this.bulkBatch.buckets.length) this.bulkBatch = null;
              continue;
            }
            if (!cutBulk && this.buffer.size > 0) {
              this.bulkBatch = this.cut(this.buffer);
              this.buffer = new Map();
              this.bufferEpoch += 1;
              cutBulk = true;
              continue;
            }
            // Once more at the end, so a flush() caller finds the live lane written too.
            if (this.live.size > 0 && !finalLive) {
              finalLive = true;
              await this.writeLive();
              continue;
            }
            break;
          }
          this.failures = 0;
          return;
        } catch (err) {
          this.failures += 1;
          if (attempt >= maxAttempts) throw err;
          await sleep(backoffMs(attempt - 1));
        }
      }
    } finally {
      this.running = false;
      // Increments added while we were busy (and not cut yet) get the next quiet-time live write.
      if (this.live.size > 0) this.scheduleLive();
    }
  }

  private cut(from: Map<string, PendingBucket>): Batch {
    this.flushSeq += 1;
    return { flushId: `${this.writerId}:${this.flushSeq}`, buckets: [...from.values()], next: 0, retried: false };
  }

  private async writeLive(): Promise<void> {
    if (!this.liveBatch) {
      this.liveBatch = this.cut(this.live);
      this.live = new Map();
      this.lastLiveCut = Date.now();
    }
    const batch = this.liveBatch;
    while (batch.next < batch.buckets.length) await this.writeChunk(batch);
    this.liveBatch = null;
  }

  /** Writes the next chunk of a batch and advances it; throws (batch kept, marked retried) on failure. */
  private async writeChunk(batch: Batch): Promise<void> {
    const chunk = batch.buckets.slice(batch.next, batch.next + this.chunkSize);
    // The `lastFlush` guard is only needed after an attempt whose outcome is unknown. On FerretDB a
    // filter other than a bare `_id` is not pushed down to SQLite (every document is decoded), so the
    // first attempt there filters by `_id` alone; MongoDB pays nothing for the guard and always uses it.
    const guard = batch.retried || !writesAreSerialized();
    const updates: RollupUpdate[] = chunk.map((b) => ({
      q: guard ? { _id: b._id, lastFlush: { $ne: batch.flushId } } : { _id: b._id },
      u: {
        $inc: b.inc,
        // Live batches are written one after another, so `liveV` only grows (see LiveTally).
        $set: b.v === undefined ? { lastFlush: batch.flushId } : { lastFlush: batch.flushId, liveV: b.v },
        $setOnInsert: { shopId: b.shopId, scope: b.scope, key: b.key, granularity: b.granularity, period: b.period, start: b.start, writer: this.writerId },
      },
      upsert: true,
    }));
    let reply: WriteCommandReply;
    try {
      reply = await rollupWrites.update(updates, true);
    } catch (err) {
      batch.retried = true;
      throw err;
    }
    // Ordered: the command stops at its first refused statement, and says which one.
    const refused = reply.writeErrors?.[0];
    if (!refused && !reply.writeConcernError) {
      batch.next += chunk.length;
      return;
    }
    if (refused?.code === 11000 && guard) {
      // Statements before it were applied now; it was applied by an earlier attempt of this batch.
      batch.next += refused.index + 1;
      return;
    }
    batch.retried = true;
    throw new Error(`rollup write refused: ${refused?.errmsg ?? reply.writeConcernError?.errmsg ?? 'unknown'} (statement ${refused?.index ?? '?'} of ${updates.length})`);
  }
}

function backoffMs(failures: number): number {
  return Math.min(5000, 50 * 2 ** Math.min(failures, 7)) + Math.floor(Math.random() * 50);
}
