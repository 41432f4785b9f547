import mongoose from 'mongoose';
import { Types } from 'mongoose';
import { SEGMENTS } from '@tular/shared';
import { useTestDatabase } from '../../test/harness';
import { MembershipModel } from '../models/Membership';
import { rollupCollection } from '../models/Rollup';
import { RollupWriter } from '../rollups/rollupWriter';
import { registerWriter, WriterRegistry } from '../rollups/writerRegistry';
import { ShopTimezones, TodayTotals } from './todayTotals';

useTestDatabase();

const newId = (): string => new Types.ObjectId().toHexString();
const HOUR = 3_600_000;

interface Query {
  collection: string;
  method: string;
  filter: unknown;
}

/** Every query mongoose hands the driver while `fn` runs (mongoose debug sees Model.collection calls too). */
async function recordQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: Query[] }> {
  const queries: Query[] = [];
  mongoose.set('debug', (collection: string, method: string, filter: unknown) => void queries.push({ collection, method, filter }));
  try {
    return { result: await fn(), queries };
  } finally {
    mongoose.set('debug', false);
  }
}

describe("today's totals", () => {
  const shopA = newId();
  const shopB = newId();
  const reseller = newId();
  const a = new RollupWriter({ intervalMs: 0, writerId: 'instance-a' });
  const b = new RollupWriter({ intervalMs: 0, writerId: 'instance-b' });
  const now = new Date();

  beforeAll(async () => {
    await MembershipModel.create([
      { shopId: shopA, resellerId: reseller, status: 'approved', segment: SEGMENTS[0] },
      { shopId: shopB, resellerId: reseller, status: 'approved', segment: SEGMENTS[0] },
    ]);
    const fact = (writer: RollupWriter, shopId: string, timezone: string, at: Date, clicks: number, revenue = 0): void =>
      writer.add({ shopId, timezone, at, resellerId: reseller, counts: { clicks, revenue } });
    // Two server instances count clicks of the same shops today, each into its own documents.
    fact(a, shopA, 'Asia/Jakarta', now, 7, 10_000);
    fact(b, shopA, 'Asia/Jakarta', now, 5, 2_500);
    fact(b, shopB, 'Asia/Jakarta', now, 3);
    // Yesterday (30 h ago is never today in Jakarta) must not count.
    fact(a, shopA, 'Asia/Jakarta', new Date(now.getTime() - 30 * HOUR), 1000);
    await a.flush();
    await b.flush();
  });

  function reader(registry: WriterRegistry): TodayTotals {
    const zones = new ShopTimezones();
    zones.remember(shopA, 'Asia/Jakarta');
    zones.remember(shopB, 'Asia/Jakarta');
    return new TodayTotals(zones, registry);
  }

  it('sums every registered writer’s documents for shops and resellers, and only today’s', async () => {
    await registerWriter('instance-b');
    const totals = reader(new WriterRegistry({ localWriterId: 'instance-a' }));
    const shops = await totals.totals('shop', [shopA, shopB, newId()], now);
    expect(shops.get(shopA)).toMatchObject({ clicks: 12, revenue: 12_500 });
    expect(shops.get(shopB)).toMatchObject({ clicks: 3 });
    const resellers = await totals.totals('reseller', [reseller], now);
    expect(resellers.get(reseller)).toMatchObject({ clicks: 15, revenue: 12_500 });
  });

  it('finds writers that never registered (a rebuild run, an older build) by looking at recent buckets', async () => {
    await mongoose.connection.collection('rollup_writers').deleteMany({});
    const registry = new WriterRegistry({ localWriterId: 'instance-a' });
    expect((await reader(registry).totals('shop', [shopA], now)).get(shopA)).toMatchObject({ clicks: 7 });
    expect(await registry.discover(now)).toEqual(expect.arrayContaining(['instance-a', 'instance-b']));
    expect((await reader(registry).totals('shop', [shopA], now)).get(shopA)).toMatchObject({ clicks: 12 });
  });

  it('reads rollups only by exact _id: one equality lookup per writer and shop, no scanning filter', async () => {
    await registerWriter('instance-b');
    const totals = reader(new WriterRegistry({ localWriterId: 'instance-a' }));
    const { result, queries } = await recordQueries(() => totals.totals('shop', [shopA, shopB], now));
    expect(result.get(shopA)?.clicks).toBe(12);
    const rollupQueries = queries.filter((q) => q.collection === rollupCollection().collectionName);
    expect(rollupQueries).toHaveLength(4);
    for (const q of rollupQueries) {
      expect(q.method).toBe('findOne');
      expect(Object.keys(q.filter as object)).toEqual(['_id']);
      expect(typeof (q.filter as { _id: unknown })._id).toBe('string');
    }
    // And the engine answers that filter from the _id index (FerretDB v1 scans for `$in` and even `$eq`).
    const explained = (await mongoose.connection.db!.command({ explain: { find: rollupCollection().collectionName, filter: rollupQueries[0]!.filter }, verbosity: 'queryPlanner' })) as {
      filterPushdown?: boolean;
      queryPlanner?: unknown;
    };
    if (explained.filterPushdown !== undefined) expect(explained.filterPushdown).toBe(true);
    else expect(JSON.stringify(explained.queryPlanner)).toMatch(/IDHACK|EXPRESS|IXSCAN/);
  });

  it('shares one read per shop between callers: concurrent snapshots and a second one within maxAge issue no new lookups', async () => {
    await registerWriter('instance-b');
    const totals = reader(new WriterRegistry({ localWriterId: 'instance-a' }));
    const { result, queries } = await recordQueries(async () => {
      const all = await Promise.all(Array.from({ length: 20 }, () => totals.totals('shop', [shopA], now, { maxAgeMs: 1000 })));
      all.push(await totals.totals('shop', [shopA], new Date(now.getTime() + 500), { maxAgeMs: 1000 }));
      return all;
    });
    expect(result.every((m) => m.get(shopA)?.clicks === 12)).toBe(true);
    expect(queries.filter((q) => q.collection === rollupCollection().collectionName)).toHaveLength(2);
    // Older than maxAge: read again.
    const later = await recordQueries(() => totals.totals('shop', [shopA], new Date(now.getTime() + 1500), { maxAgeMs: 1000 }));
    expect(later.queries.filter((q) => q.collection === rollupCollection().collectionName)).toHaveLength(2);
  });
});
