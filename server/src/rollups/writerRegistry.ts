import mongoose from 'mongoose';
import type { Logger } from '../lib/logger';
import { rollupCollection } from '../models/Rollup';

/** One rollup writer that may own bucket documents of the last couple of days. */
interface WriterRecord {
  _id: string;
  seenAt: Date;
}

export const ROLLUP_WRITERS_COLLECTION = 'rollup_writers';

/**
 * A writer seen this recently may own a document of "today" in some shop's zone (a local day is at
 * most 26 h long and lies within the last 50 h, the same window todayTotals always used).
 */
export const WRITER_WINDOW_MS = 50 * 3_600_000;

function writersCollection(): mongoose.mongo.Collection<WriterRecord> {
  return mongoose.connection.collection<WriterRecord>(ROLLUP_WRITERS_COLLECTION) as unknown as mongoose.mongo.Collection<WriterRecord>;
}

/** Records that `writerId` writes (or wrote) rollups now; an `_id` upsert, an index lookup on every engine. */
export async function registerWriter(writerId: string, at = new Date()): Promise<void> {
  await writersCollection().updateOne({ _id: writerId }, { $set: { seenAt: at } }, { upsert: true });
}

export interface WriterRegistryOptions {
  /** This process's writer: always counted, registered on start and refreshed every `refreshMs`. */
  localWriterId?: string;
  /** How long one read of the registry is reused (ms). */
  cacheMs?: number;
  /** How often the local writer's entry is refreshed (ms). */
  refreshMs?: number;
  /** How often writers that never registered (rebuild runs, older builds) are looked for (ms); 0: on start only. */
  discoverMs?: number;
  logger?: Logger;
}

/**
 * The ids of every writer whose bucket documents a "today" read must sum. Rollup documents are keyed
 * `<shop>|<scope>|<key>|<granularity>|<period>|<writer>`, so knowing the writers turns a live read
 * into a handful of exact `_id` lookups — the only filter FerretDB v1 answers from an index.
 *
 * Writers register themselves in `rollup_writers` (this process's writer from the realtime side on
 * start and every `refreshMs`). Writers that do not (the rebuild command, builds older than this) are
 * found by a `distinct` over recent shop-day buckets — a full scan on FerretDB, so it runs on start
 * and then only every `discoverMs`, never per snapshot.
 */
export class WriterRegistry {
  private cached: { at: number; ids: string[] } | null = null;
  private loading: Promise<string[]> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly cacheMs: number;

  constructor(private readonly options: WriterRegistryOptions = {}) {
    this.cacheMs = options.cacheMs ?? 5_000;
  }

  /** Registers the local writer and looks for unregistered ones now, then on timers. */
  start(): void {
    const { localWriterId, logger } = this.options;
    const refresh = (): void => {
      if (localWriterId) registerWriter(localWriterId).catch((err: unknown) => logger?.warn({ err }, 'could not register the rollup writer'));
    };
    const discover = (): void => {
      this.discover().catch((err: unknown) => logger?.warn({ err }, 'could not look for rollup writers'));
    };
    refresh();
    discover();
    const every = (ms: number, fn: () => void): void => {
      if (ms <= 0) return;
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.refreshMs ?? 10 * 60_000, refresh);
    every(this.options.discoverMs ?? 15 * 60_000, discover);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Registers every writer that owns a shop-day bucket of the window; returns their ids. */
  async discover(now = new Date()): Promise<string[]> {
    const ids = (await rollupCollection().distinct('writer', { scope: 'shop', granularity: 'day', start: { $gte: new Date(now.getTime() - WRITER_WINDOW_MS) } })).map(String);
    await Promise.all(ids.map((id) => registerWriter(id, now)));
    this.cached = null;
    return ids;
  }

  /** Writers seen within the window, the local one always included; one small read per `cacheMs`. */
  async writers(now = new Date()): Promise<string[]> {
    if (this.cached && now.getTime() - this.cached.at < this.cacheMs) return this.cached.ids;
    this.loading ??= (async () => {
      try {
        // The registry holds a few dozen documents: reading it whole is cheap on any engine.
        const docs = await writersCollection().find({}).toArray();
        const since = now.getTime() - WRITER_WINDOW_MS;
        const ids = new Set(docs.filter((d) => d.seenAt instanceof Date && d.seenAt.getTime() >= since).map((d) => d._id));
        if (this.options.localWriterId) ids.add(this.options.localWriterId);
        const list = [...ids].sort();
        this.cached = { at: now.getTime(), ids: list };
        return list;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Forgets the cached list (a test, or a writer known to have just registered). */
  invalidate(): void {
    this.cached = null;
  }
}
