import crypto from 'node:crypto';
import mongoose from 'mongoose';
import type { Channel, Segment } from '@tular/shared';
import type { Logger } from '../lib/logger';
import { ROLLUP_COUNTERS, rollupCollection, type RollupCounter, type RollupGranularity, type RollupScope } from '../models/Rollup';
import { bucketsFor } from './buckets';

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
}

interface Batch {
  flushId: string;
  buckets: PendingBucket[];
}

export interface RollupWriterOptions {
  logger?: Logger;
  /** How often the timer flushes (ms); 0 disables the timer (the rebuild command flushes by hand). */
  intervalMs?: number;
  /** Fixed writer id; by default a random one per instance, so no two writers share a document. */
  writerId?: string;
  /** Operations per bulkWrite call. */
  chunkSize?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function rollupDocId(shopId: string, scope: RollupScope, key: string, granularity: RollupGranularity, period: string, writer: string): string {
  return `${shopId}|${scope}|${key}|${granularity}|${period}|${writer}`;
}

/**
 * Buffers counter increments in memory, merged per bucket document, and writes them in ordered
 * bulk `$inc` upserts — behind the click and order paths, never on the request.
 *
 * Exactly-once per batch: each flush has an id; the upsert filter skips a document that already
 * carries it (`lastFlush`), so retrying a batch after a failure that happened part-way never counts
 * twice (the skipped upsert surfaces as a duplicate key, which we step over). Increments that arrive
 * while a batch is being retried wait in the buffer for the next batch.
 */
export class RollupWriter {
  readonly writerId: string;
  private buffer = new Map<string, PendingBucket>();
  private pending: Batch | null = null;
  private flushSeq = 0;
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private failures = 0;
  private retryAt = 0;
  private timer?: NodeJS.Timeout;
  private readonly logger?: Logger;
  private readonly chunkSize: number;

  constructor(options: RollupWriterOptions = {}) {
    this.writerId = options.writerId ?? crypto.randomBytes(6).toString('hex');
    this.logger = options.logger;
    this.chunkSize = options.chunkSize ?? 500;
    const intervalMs = options.intervalMs ?? 250;
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.tick(), intervalMs);
      this.timer.unref();
    }
  }

  add(fact: RollupFact): void {
    const counts: Partial<Record<RollupCounter, number>> = {};
    let any = false;
    for (const c of ROLLUP_COUNTERS) {
      const v = fact.counts[c];
      if (typeof v === 'number' && Number.isFinite(v) && v !== 0) {
        counts[c] = v;
        any = true;
      }
    }
    if (!any) return;
    const scopes: Array<[RollupScope, string | undefined]> = [
      ['shop', fact.shopId],
      ['product', fact.productId],
      ['reseller', fact.resellerId],
      ['link', fact.linkId],
      ['segment', fact.segment],
      ['channel', fact.channel],
    ];
    for (const bucket of bucketsFor(fact.at, fact.timezone)) {
      for (const [scope, key] of scopes) {
        if (!key) continue;
        const id = rollupDocId(fact.shopId, scope, key, bucket.granularity, bucket.period, this.writerId);
        let entry = this.buffer.get(id);
        if (!entry) {
          entry = { _id: id, shopId: fact.shopId, scope, key, granularity: bucket.granularity, period: bucket.period, start: bucket.start, inc: {} };
          this.buffer.set(id, entry);
        }
        for (const c of Object.keys(counts) as RollupCounter[]) entry.inc[c] = (entry.inc[c] ?? 0) + counts[c]!;
      }
    }
  }

  /** Bucket documents waiting to be written (buffered plus a batch being retried). */
  get backlog(): number {
    return this.buffer.size + (this.pending?.buckets.length ?? 0);
  }

  /** Writes everything added so far; retries with backoff, then rejects (nothing is lost: the next flush retries). */
  flush(maxAttempts = 8): Promise<void> {
    const run = this.chain.then(() => this.flushNow(maxAttempts));
    // The chain never rejects, so one failed flush does not poison the next.
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Flushes what is left and stops the timer (shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private tick(): void {
    if (this.running || Date.now() < this.retryAt) return;
    if (!this.pending && this.buffer.size === 0) return;
    if (mongoose.connection.readyState !== 1) return;
    void this.flush(1).catch((err: unknown) => {
      this.retryAt = Date.now() + backoffMs(this.failures);
      this.logger?.warn({ err, backlog: this.backlog }, 'rollup flush failed; will retry');
    });
  }

  private async flushNow(maxAttempts: number): Promise<void> {
    this.running = true;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          while (this.pending || this.buffer.size > 0) {
            if (!this.pending) {
              this.flushSeq += 1;
              this.pending = { flushId: `${this.writerId}:${this.flushSeq}`, buckets: [...this.buffer.values()] };
              this.buffer = new Map();
            }
            await this.write(this.pending);
            this.pending = null;
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
    }
  }

  private async write(batch: Batch): Promise<void> {
    const ops = batch.buckets.map((b) => ({
      updateOne: {
        filter: { _id: b._id, lastFlush: { $ne: batch.flushId } },
        update: {
          $inc: b.inc,
          $set: { lastFlush: batch.flushId },
          $setOnInsert: { shopId: b.shopId, scope: b.scope, key: b.key, granularity: b.granularity, period: b.period, start: b.start, writer: this.writerId },
        },
        upsert: true,
      },
    }));
    for (let from = 0; from < ops.length; ) {
      const chunk = ops.slice(from, from + this.chunkSize);
      try {
        await rollupCollection().bulkWrite(chunk, { ordered: true });
        from += chunk.length;
      } catch (err) {
        const failedAt = alreadyAppliedIndex(err);
        if (failedAt === null) throw err;
        // Ops before it were applied now; it was applied by an earlier attempt of this batch.
        from += failedAt + 1;
      }
    }
  }
}

/** The index of the first write error when it is a duplicate key (our "already applied" signal), else null. */
function alreadyAppliedIndex(err: unknown): number | null {
  const e = err as { writeErrors?: unknown; code?: number };
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
  const first = list[0] as { index?: number; code?: number; err?: { index?: number; code?: number } } | undefined;
  if (!first) return null;
  const code = first.code ?? first.err?.code;
  const index = first.index ?? first.err?.index;
  return code === 11000 && typeof index === 'number' ? index : null;
}

function backoffMs(failures: number): number {
  return Math.min(5000, 50 * 2 ** Math.min(failures, 7)) + Math.floor(Math.random() * 50);
}
