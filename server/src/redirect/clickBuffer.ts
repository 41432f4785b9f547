import type { ClickHappened, EventBus } from '../events/bus';
import type { Logger } from '../lib/logger';
import type { RollupFact } from '../rollups/rollupWriter';
import { clickFact, type ClickFactInput } from '../rollups/rollupFacts';
import { ClickEventModel, type ClickEventRecord } from '../models/ClickEvent';
import type { ResolvedLink } from './linkCache';
import type { WriteCommandReply } from '../db/groupCommit';

/** What the buffer needs from the rollup writer (deps.rollups). */
export interface RollupSink {
  add(fact: RollupFact): unknown;
}

export interface ClickBufferOptions {
  logger: Logger;
  bus: EventBus;
  rollups: RollupSink;
  intervalMs?: number;
  /** Raw events per insert command (200); a batch this big is flushed at once rather than on the timer. */
  batchSize?: number;
  /** Past this many buffered raw events (the database is down or too slow), raw events are shed; their counts are kept. */
  highWater?: number;
  maxBackoffMs?: number;
  /**
   * How long shutdown keeps writing raw events (10 s): past it, what is left is reported as not stored
   * — the database stayed down, or it is so far behind that the whole backlog would outlast the stop.
   */
  shutdownBudgetMs?: number;
}

export interface ClickBufferStats {
  /** Raw events waiting in memory (including a batch being retried). */
  buffered: number;
  /** Raw events stored in the database. */
  written: number;
  /** Raw events dropped under overload; their rollup counts and live events were still applied. */
  shed: number;
  /** Failed insert attempts that were retried. */
  retries: number;
  /** Raw events still unwritten when shutdown gave up (the database stayed down or far behind); logged as an error. */
  lost: number;
}

/**
 * A kept visit as it waits for its batch: the redirect queues a small object of references and
 * numbers (see redirect/index.ts) and the raw event — `_id`, `Date`, visitor hash, UTM fields — is
 * built only when its batch is taken. Under overload ~50,000 visits wait; as full raw events
 * (~950 bytes of young objects each) every one of them was copied by the scavenger and promoted,
 * which made scavenges of 8–27 ms while the queue filled (measured with --trace-gc-nvp: 1.5–5 MB
 * survived per scavenge) — pauses every request waiting meanwhile sat through.
 */
export interface KeptClick {
  toRecord(): ClickEventRecord;
}

/** An already-built raw event (tests, or a batch put back at shutdown). */
const ready = (record: ClickEventRecord): KeptClick => ({ toRecord: () => record });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Every click is counted at once (rollup increments, exact, in memory, coalesced per bucket) and its
 * live `click` event is emitted at once too (the dashboard shows the in-memory counters, see
 * RollupWriter.dayTally: live latency does not depend on the database) — independently of the raw events, which are appended here and written behind the redirect in
 * unordered `insertMany` batches (client-made `_id`s, so a retried batch that partly landed is stored
 * once — a duplicate key means "already there"). A failed batch is kept and retried with exponential
 * backoff. Memory stays bounded: past a high-water mark raw events are shed — counted, logged and in
 * stats() — while their counts and live events still go out: counters are the source of truth for
 * stats; raw events are the audit trail.
 */
export class ClickBuffer {
  private queue: BatchQueue;
  private inflight: ClickEventRecord[] = [];
  private running: Promise<void> | null = null;
  private failures = 0;
  private closing = false;
  private giveUpAt = Infinity;
  private timer?: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly highWater: number;
  private readonly maxBackoffMs: number;
  private counters = { written: 0, shed: 0, retries: 0, lost: 0 };
  private lastShedLog = 0;
  private loggedShed = 0;
  private readonly factInput: ClickFactInput = { shopId: '', productId: undefined, resellerId: undefined, linkId: '', segment: undefined, channel: 'other', kind: 'click', unique: false, at: new Date(0) };

  constructor(private readonly opts: ClickBufferOptions) {
    // A batch is built into raw events when it is taken and lives until the database answers: 500
    // (~475 kB) were still alive at most scavenges under load and were copied, often promoted; 200
    // halve that, and the database takes them as fast (FerretDB: ~0.38 ms a document from 10 up).
    this.batchSize = opts.batchSize ?? 200;
    this.queue = new BatchQueue(this.batchSize);
    this.highWater = opts.highWater ?? 50_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.timer = setInterval(() => {
      if (!this.running && this.queue.length > 0) void this.flush();
      this.reportShed(false);
    }, opts.intervalMs ?? 250);
    this.timer.unref();
  }

  /** One visit: counted (rollups, live event), and its raw event queued unless the buffer is full (then shed, counted). */
  record(record: ClickEventRecord, target: ResolvedLink): void {
    if (this.count(target, record.kind, record.unique, record.at)) this.keep(ready(record));
  }

  /**
   * Counts a visit at once — rollup increments and its live event — and says whether its raw event
   * will be kept: false means it was shed (counted in `shed`), so the caller need not build it. After
   * true, the caller hands the raw event to `keep` right away (same tick).
   */
  count(target: ResolvedLink, kind: ClickEventRecord['kind'], unique: boolean, at: Date): boolean {
    const resellerId = target.attributed ? target.ids.reseller : undefined;
    // One input object reused for every visit (clickFact copies what it needs into the fact it returns).
    const input = this.factInput;
    input.shopId = target.ids.shop;
    input.productId = target.ids.product;
    input.resellerId = resellerId;
    input.linkId = target.ids.link;
    input.segment = target.segment;
    input.channel = target.channel;
    input.kind = kind;
    input.unique = unique;
    input.at = at;
    this.opts.rollups.add(clickFact(input, target.timezone));
    // Built field by field (no spreads of throw-away objects): this runs for every visit.
    const event: ClickHappened = { shopId: target.ids.shop, linkId: target.ids.link, channel: target.channel, kind, unique, at };
    if (target.ids.product) event.productId = target.ids.product;
    if (resellerId) event.resellerId = resellerId;
    if (target.segment) event.segment = target.segment;
    this.opts.bus.emit('click', event);

    if (this.queue.length + this.inflight.length >= this.highWater) {
      this.counters.shed += 1;
      this.reportShed(false);
      return false;
    }
    return true;
  }

  /** Queues the raw event of a visit `count` kept. */
  keep(click: KeptClick): void {
    this.queue.push(click);
    // After close() there is no timer: a straggler (a request finishing during shutdown) is written at once.
    if ((this.queue.length >= this.batchSize || this.closing) && !this.running) void this.flush();
  }

  stats(): ClickBufferStats {
    return {
      buffered: this.queue.length + this.inflight.length,
      written: this.counters.written,
      shed: this.counters.shed,
      retries: this.counters.retries,
      lost: this.counters.lost,
    };
  }

  /** Writes every raw event buffered so far (waits for a running flush, then drains). Resolves when the buffer is empty or shutdown gave up. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.queue.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /**
   * Shutdown: stop the timer and write what is buffered for at most `timeoutMs` (retrying while the
   * database is away); a batch under way when the budget ends is finished, the rest is reported.
   */
  async close(timeoutMs = this.opts.shutdownBudgetMs ?? 10_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closing = true;
    this.giveUpAt = Date.now() + timeoutMs;
    await this.flush();
    const left = this.queue.length + this.inflight.length;
    if (left > 0) {
      this.counters.lost += left;
      this.opts.logger.error({ lost: left, stats: this.stats() }, 'shutdown: raw click events were not stored in time (the database was unavailable or too far behind); their counts are in the rollups');
    } else {
      const stats = this.stats();
      // Shed events are counted but their raw rows are gone: say so where operators look (warn).
      if (stats.shed > 0) this.opts.logger.warn({ shed: stats.shed, stats }, 'click buffer flushed; some raw click events were shed under overload (their counts are in the rollups)');
      else this.opts.logger.info({ stats }, 'click buffer flushed');
    }
  }

  /** Logs the shed total while it grows (at most once a second) and when a drain ends, so the last line is the exact total. */
  private reportShed(settled: boolean): void {
    const shed = this.counters.shed;
    if (shed === this.loggedShed) return;
    const now = Date.now();
    if (!settled && now - this.lastShedLog < 1000) return;
    this.lastShedLog = now;
    this.loggedShed = shed;
    this.opts.logger.error(
      { shed, buffered: this.queue.length + this.inflight.length },
      'click buffer full: shedding raw click events (their rollup counts and live events are kept)',
    );
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // A database that works but is far behind would keep a stopping process writing for minutes.
      if (this.closing && Date.now() > this.giveUpAt) return;
      // Built once per batch: a retry sends the same `_id`s.
      this.inflight = this.queue.take().map((click) => click.toRecord());
      for (;;) {
        try {
          await this.insert(this.inflight);
          break;
        } catch (err) {
          this.failures += 1;
          this.counters.retries += 1;
          const delay = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(this.failures - 1, 10)) + Math.floor(Math.random() * 100);
          if (this.closing && Date.now() + delay > this.giveUpAt) {
            // Keep them counted as buffered; close() reports them.
            this.queue.unshift(this.inflight.map(ready));
            this.inflight = [];
            return;
          }
          this.opts.logger.warn({ err: (err as Error).message, batch: this.inflight.length, retryInMs: delay }, 'click batch not stored; retrying');
          await sleep(delay);
        }
      }
      this.failures = 0;
      this.counters.written += this.inflight.length;
      this.inflight = [];
      if (this.queue.length > 0) await yieldToIo();
    }
    this.reportShed(true);
  }

  /**
   * The `insert` command itself rather than `insertMany`: the driver's bulk machinery (an operation
   * object and a size calculation per document, to split batches) cost as much CPU as serializing
   * them in the redirect profile, and a batch (200 events, ~80 kB of BSON) is far below the message limit.
   * Unordered: one refused document does not stop the rest. A retry of a batch that partly landed
   * finds our own client-made `_id`s taken — duplicate keys mean "already stored"; anything else fails
   * the batch, which is then retried.
   */
  private async insert(records: ClickEventRecord[]): Promise<void> {
    const res = (await ClickEventModel.db.db!.command({ insert: ClickEventModel.collection.collectionName, documents: records, ordered: false })) as WriteCommandReply;
    const refused = (res.writeErrors ?? []).filter((e) => e.code !== 11000);
    if (refused.length > 0 || res.writeConcernError) {
      throw new Error(`click batch refused: ${refused[0]?.errmsg ?? JSON.stringify(res.writeConcernError)} (${refused.length} of ${records.length})`);
    }
  }
}

/**
 * FIFO of raw events in batch-sized chunks: taking the next batch is O(1) — under overload ~50,000
 * events wait, and slicing a batch off one big array copied all of them (and allocated that much)
 * for every batch.
 */
class BatchQueue {
  private chunks: KeptClick[][] = [];
  length = 0;

  constructor(private readonly batchSize: number) {}

  push(click: KeptClick): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.length < this.batchSize) last.push(click);
    else this.chunks.push([click]);
    this.length += 1;
  }

  /** Removes and returns the oldest batch (at most batchSize events). */
  take(): KeptClick[] {
    const batch = this.chunks.shift() ?? [];
    this.length -= batch.length;
    return batch;
  }

  /** Puts a batch back in front (shutdown gave up on it). */
  unshift(batch: KeptClick[]): void {
    if (batch.length === 0) return;
    this.chunks.unshift(batch);
    this.length += batch.length;
  }
}
