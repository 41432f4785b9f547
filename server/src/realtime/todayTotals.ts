import { DEFAULT_TIMEZONE } from '@tular/shared';
import { addCounts, emptyCounts, rollupCollection, type RollupCounts, type RollupRecord, type RollupScope } from '../models/Rollup';
import { MembershipModel } from '../models/Membership';
import { ShopModel } from '../models/Shop';
import { bucketsFor } from '../rollups/buckets';
import { rollupDocId } from '../rollups/rollupWriter';
import type { WriterRegistry } from '../rollups/writerRegistry';

/** Shop time zones, cached: the live snapshots must not read the shop on every tick. */
export class ShopTimezones {
  private cache = new Map<string, string>();

  remember(shopId: string, timezone: string | null | undefined): void {
    this.cache.set(shopId, timezone ?? DEFAULT_TIMEZONE);
  }

  forget(shopId: string): void {
    this.cache.delete(shopId);
  }

  /** The zone if cached (no read). */
  known(shopId: string): string | undefined {
    return this.cache.get(shopId);
  }

  async resolve(shopIds: Iterable<string>): Promise<Map<string, string>> {
    const missing = [...new Set(shopIds)].filter((id) => !this.cache.has(id) && /^[a-f0-9]{24}$/i.test(id));
    if (missing.length) {
      const shops = await ShopModel.find({ _id: { $in: missing } }, { timezone: 1 }).lean();
      for (const s of shops) this.remember(String(s._id), s.timezone);
      for (const id of missing) if (!this.cache.has(id)) this.cache.set(id, DEFAULT_TIMEZONE);
    }
    return this.cache;
  }
}

export type TotalsScope = Extract<RollupScope, 'shop' | 'reseller'>;

export interface TodayTotalsOptions {
  /** Point lookups in flight at once, across all snapshots (the server's pool is 20 connections). */
  concurrency?: number;
  /** How long a reseller's list of shops is reused (ms); membership events refresh it sooner. */
  resellerShopsMs?: number;
}

/** One writer's stored counters of a key's day; `v` is the `liveV` the live lane stored with them (0 if none). */
export interface StoredPart {
  v: number;
  counts: RollupCounts;
}

/** A key's stored counters for today: the sum, and per writer. */
export interface StoredDay {
  total: RollupCounts;
  parts: Map<string, StoredPart>;
}

interface Entry {
  startedAt: number;
  settled: boolean;
  value: Promise<StoredDay>;
}

interface PlannedRead {
  id: string;
  writer: string;
}

const today = (now: Date, timezone: string): string => bucketsFor(now, timezone)[1].period;

/**
 * Today's totals per shop or reseller, read by exact `_id`: a bucket document is keyed
 * `<shop>|<scope>|<key>|day|<local day>|<writer>`, so with the shop's zone and the registry's writer
 * ids every document is known in advance and fetched with one `_id` equality lookup — on FerretDB
 * v1 the only filter answered from an index (any other filter decodes every rollup document: 1.6 s
 * on 40,000 of them, per snapshot). `_id: {$in}` is not pushed down by FerretDB v1.24, hence one
 * lookup per document.
 *
 * One read per key at a time: a key with a read in flight joins it, and a finished read is reused
 * while younger than the caller's `maxAgeMs` — so sockets joining after a tick share the tick's read,
 * and a slow database gets at most one pending read per room, never a pile.
 */
export class TodayTotals {
  private entries = new Map<string, Entry>();
  private resellerShops = new Map<string, { at: number; shops: string[] }>();
  private active = 0;
  private queue: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly resellerShopsMs: number;

  constructor(
    private readonly timezones: ShopTimezones,
    private readonly writers: WriterRegistry,
    options: TodayTotalsOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.resellerShopsMs = options.resellerShopsMs ?? 60_000;
  }

  /**
   * Totals for `keys`; `maxAgeMs` is how old a finished read may be to be reused (0: read anew,
   * though a read still in flight is joined unless `fresh`).
   */
  async totals(scope: TotalsScope, keys: string[], now = new Date(), reuse: { maxAgeMs?: number; fresh?: boolean } = {}): Promise<Map<string, RollupCounts>> {
    const out = new Map<string, RollupCounts>();
    for (const [key, day] of await this.stored(scope, keys, now, reuse)) out.set(key, day.total);
    return out;
  }

  /** Like totals(), with each writer's share (for a shop key: one document per writer, `v` its stored `liveV`). */
  async stored(scope: TotalsScope, keys: string[], now = new Date(), { maxAgeMs = 0, fresh = false }: { maxAgeMs?: number; fresh?: boolean } = {}): Promise<Map<string, StoredDay>> {
    const out = new Map<string, StoredDay>();
    const unique = [...new Set(keys)];
    if (unique.length === 0) return out;
    const pending: string[] = [];
    const promises = new Map<string, Promise<StoredDay>>();
    for (const key of unique) {
      const e = this.entries.get(`${scope}:${key}`);
      const reusable = e && !fresh && (!e.settled || e.startedAt >= now.getTime() - maxAgeMs);
      if (reusable) promises.set(key, e.value);
      else pending.push(key);
    }
    if (pending.length) {
      // Zones and writers are resolved once for the whole batch, then each key reads on its own.
      const prepared = this.prepare(scope, pending, now);
      for (const key of pending) {
        const value = prepared.then((plan) => this.readKey(plan.get(key) ?? []));
        const entry: Entry = { startedAt: now.getTime(), settled: false, value };
        this.entries.set(`${scope}:${key}`, entry);
        value.then(
          () => {
            entry.settled = true;
          },
          () => {
            // A failed read is not remembered: the next snapshot tries again.
            if (this.entries.get(`${scope}:${key}`) === entry) this.entries.delete(`${scope}:${key}`);
          },
        );
        promises.set(key, value);
      }
    }
    await Promise.all([...promises].map(([key, value]) => value.then((counts) => void out.set(key, counts))));
    return out;
  }

  /** A membership changed: the reseller's shop list is read again on the next snapshot. */
  forgetReseller(resellerId: string): void {
    this.resellerShops.delete(resellerId);
  }

  /** Drops finished reads older than this, so rooms nobody watches any more do not accumulate. */
  prune(olderThanMs: number, now = Date.now()): void {
    for (const [k, e] of this.entries) if (e.settled && e.startedAt < now - olderThanMs) this.entries.delete(k);
  }

  /** The `_id`s of every writer's day document for each key. */
  private async prepare(scope: TotalsScope, keys: string[], now: Date): Promise<Map<string, PlannedRead[]>> {
    const writers = await this.writers.writers(now);
    const shopsOf = scope === 'shop' ? new Map(keys.map((k) => [k, [k]])) : await this.shopsOfResellers(keys, now);
    const zones = await this.timezones.resolve([...shopsOf.values()].flat());
    const plan = new Map<string, PlannedRead[]>();
    for (const key of keys) {
      const ids: PlannedRead[] = [];
      for (const shopId of shopsOf.get(key) ?? []) {
        const day = today(now, zones.get(shopId) ?? DEFAULT_TIMEZONE);
        for (const writer of writers) ids.push({ id: rollupDocId(shopId, scope, key, 'day', day, writer), writer });
      }
      plan.set(key, ids);
    }
    return plan;
  }

  /** Every shop a reseller has a membership in (any status: counters outlive a membership's approval). */
  private async shopsOfResellers(resellerIds: string[], now: Date): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const missing: string[] = [];
    for (const id of resellerIds) {
      const hit = this.resellerShops.get(id);
      if (hit && now.getTime() - hit.at < this.resellerShopsMs) out.set(id, hit.shops);
      else if (/^[a-f0-9]{24}$/i.test(id)) missing.push(id);
      else out.set(id, []);
    }
    if (missing.length) {
      const rows = await MembershipModel.find({ resellerId: { $in: missing } }, { shopId: 1, resellerId: 1 }).lean();
      const found = new Map<string, Set<string>>(missing.map((id) => [id, new Set()]));
      for (const r of rows) found.get(String(r.resellerId))?.add(String(r.shopId));
      for (const [id, shops] of found) {
        const list = [...shops];
        this.resellerShops.set(id, { at: now.getTime(), shops: list });
        out.set(id, list);
      }
    }
    return out;
  }

  private async readKey(reads: PlannedRead[]): Promise<StoredDay> {
    const total = emptyCounts();
    const parts = new Map<string, StoredPart>();
    const docs = await Promise.all(reads.map(({ id }) => this.limited(() => rollupCollection().findOne({ _id: id }, { projection: { lastFlush: 0 } }))));
    docs.forEach((d, i) => {
      if (!d) return;
      addCounts(total, d);
      const writer = reads[i]!.writer;
      const part = parts.get(writer) ?? { v: 0, counts: emptyCounts() };
      addCounts(part.counts, d);
      // A reseller key sums several shops per writer: there `v` is only the newest of them.
      part.v = Math.max(part.v, (d as RollupRecord & { liveV?: number }).liveV ?? 0);
      parts.set(writer, part);
    });
    return { total, parts };
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    // A finished lookup hands its slot straight to the next waiter, so `active` never overshoots.
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
