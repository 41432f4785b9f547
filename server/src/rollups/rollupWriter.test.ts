import { useTestDatabase } from '../../test/harness';
import { writesAreSerialized } from '../db/writeLock';
import { rollupCollection, rollupWrites, type RollupRecord } from '../models/Rollup';
import { cachedBuckets, rollupDocId, RollupWriter } from './rollupWriter';
import { readRollups, sumBuckets } from './rollupReader';
import { bucketsFor, monthRange } from './buckets';
import { WriterRegistry } from './writerRegistry';

useTestDatabase();

const SHOP = 'a'.repeat(24);
const TZ = 'Asia/Jakarta';

describe('cachedBuckets', () => {
  it('hands out one bucket pair per local hour across its quarter hours (the memos keyed on it survive), a new one when the hour turns', () => {
    // +05:30: Kolkata's local hours turn at half past the UTC hour. Far-future times: the memo only moves forward.
    const tz = 'Asia/Kolkata';
    const first = cachedBuckets(new Date('2030-01-01T10:31:00Z'), tz);
    expect(cachedBuckets(new Date('2030-01-01T10:46:00Z'), tz)).toBe(first);
    expect(cachedBuckets(new Date('2030-01-01T11:16:00Z'), tz)).toBe(first);
    expect(first[0].period).toBe('2030-01-01T16');
    const next = cachedBuckets(new Date('2030-01-01T11:31:00Z'), tz);
    expect(next).not.toBe(first);
    expect(next).toEqual(bucketsFor(new Date('2030-01-01T11:31:00Z'), tz));
    expect(next[0].period).toBe('2030-01-01T17');
  });
});

describe('bucketsFor (shop time zone)', () => {
  it('puts 16:59:59Z and 17:00:00Z on different Jakarta days (midnight is 17:00 UTC)', () => {
    const [hourBefore, dayBefore] = bucketsFor(new Date('2026-11-21T16:59:59Z'), TZ);
    const [hourAfter, dayAfter] = bucketsFor(new Date('2026-11-21T17:00:00Z'), TZ);
    expect(dayBefore.period).toBe('2026-11-21');
    expect(dayAfter.period).toBe('2026-11-22');
    expect(hourBefore.period).toBe('2026-11-21T23');
    expect(hourAfter.period).toBe('2026-11-22T00');
    expect(dayAfter.start.toISOString()).toBe('2026-11-21T17:00:00.000Z');
    expect(dayBefore.start.toISOString()).toBe('2026-11-20T17:00:00.000Z');
    expect(hourBefore.start.toISOString()).toBe('2026-11-21T16:00:00.000Z');
  });

  it('uses the local calendar month (1 Dec 00:30 Jakarta is December)', () => {
    const m = monthRange(new Date('2026-11-30T17:30:00Z'), TZ);
    expect(m.label).toBe('2026-12');
    expect(m.from.toISOString()).toBe('2026-11-30T17:00:00.000Z');
    expect(m.to.toISOString()).toBe('2026-12-31T17:00:00.000Z');
  });
});

describe('RollupWriter', () => {
  it('registers itself on its first flush, so live readers find its documents without a scan', async () => {
    const writer = new RollupWriter({ intervalMs: 0, writerId: 'rebuild-run-1' });
    const before = await new WriterRegistry().writers();
    expect(before).not.toContain('rebuild-run-1');
    writer.add({ shopId: '9'.repeat(24), timezone: TZ, at: new Date(), productId: 'p1', resellerId: 'r1', linkId: 'l1', segment: 'buzzer', channel: 'whatsapp', counts: { clicks: 1 } });
    await writer.flush();
    expect(await new WriterRegistry().writers()).toContain('rebuild-run-1');
  });

  it('merges increments per bucket and writes every scope, hour and day', async () => {
    const writer = new RollupWriter({ intervalMs: 0 });
    const at = new Date('2026-11-21T16:59:59Z');
    for (let i = 0; i < 10; i += 1) {
      writer.add({ shopId: SHOP, timezone: TZ, at, productId: 'p1', resellerId: 'r1', linkId: 'l1', segment: 'buzzer', channel: 'whatsapp', counts: { clicks: 1, uniqueClicks: i % 2 } });
    }
    expect(writer.backlog).toBe(12);
    await writer.flush();
    expect(writer.backlog).toBe(0);
    const days = await readRollups({ scope: 'shop', shopId: SHOP, granularity: 'day' });
    expect(days).toEqual([expect.objectContaining({ period: '2026-11-21', clicks: 10, uniqueClicks: 5 })]);
    for (const scope of ['product', 'reseller', 'link', 'segment', 'channel'] as const) {
      const hours = await readRollups({ scope, shopId: SHOP, granularity: 'hour' });
      expect(hours).toEqual([expect.objectContaining({ period: '2026-11-21T23', clicks: 10 })]);
    }
  });

  it('links of one product count in the product’s, segment’s and channel’s buckets together, in the right hour across an hour change', async () => {
    const shopId = '3'.repeat(24);
    const writer = new RollupWriter({ intervalMs: 0 });
    const click = (linkId: string, resellerId: string, iso: string): void =>
      writer.add({ shopId, timezone: TZ, at: new Date(iso), productId: 'p1', resellerId, linkId, segment: 'follower', channel: 'whatsapp', counts: { clicks: 1 } });
    // Far-future hours (the bucket memo only moves forward): 10:05 and 11:01 UTC are 17 and 18 in Jakarta.
    click('l1', 'r1', '2031-03-01T10:05:00Z');
    click('l2', 'r2', '2031-03-01T10:06:00Z');
    click('l1', 'r1', '2031-03-01T11:01:00Z');
    click('l2', 'r2', '2031-03-01T11:02:00Z');
    click('l2', 'r2', '2031-03-01T11:03:00Z');
    await writer.flush();
    for (const scope of ['product', 'segment', 'channel'] as const) {
      const hours = await readRollups({ scope, shopId, granularity: 'hour' });
      expect(hours.map((h) => [h.period, h.clicks]).sort()).toEqual([
        ['2031-03-01T17', 2],
        ['2031-03-01T18', 3],
      ]);
      expect((await readRollups({ scope, shopId, granularity: 'day' })).map((d) => [d.period, d.clicks])).toEqual([['2031-03-01', 5]]);
    }
    const links = await readRollups({ scope: 'link', shopId, granularity: 'hour' });
    expect(links.map((h) => [h.key, h.period, h.clicks]).sort()).toEqual([
      ['l1', '2031-03-01T17', 1],
      ['l1', '2031-03-01T18', 1],
      ['l2', '2031-03-01T17', 1],
      ['l2', '2031-03-01T18', 2],
    ]);
  });

  it('two writers racing on the same buckets lose nothing (each writes its own documents)', async () => {
    const shopId = 'b'.repeat(24);
    const a = new RollupWriter({ intervalMs: 0 });
    const b = new RollupWriter({ intervalMs: 0 });
    const at = new Date('2026-11-22T03:00:00Z');
    const rounds = 20;
    await Promise.all(
      [a, b].map(async (w) => {
        for (let i = 0; i < rounds; i += 1) {
          w.add({ shopId, timezone: TZ, at, productId: 'p', counts: { orders: 1, revenue: 25_000 } });
          // Flushes race the other writer's flushes on the same logical bucket.
          await Promise.all([w.flush(), w.flush()]);
        }
      }),
    );
    const [total] = await readRollups({ scope: 'shop', shopId, granularity: 'day' });
    expect(total).toMatchObject({ orders: 2 * rounds, revenue: 2 * rounds * 25_000 });
  });

  it('retrying a batch that was partly written does not count twice', async () => {
    const shopId = 'c'.repeat(24);
    const writer = new RollupWriter({ intervalMs: 0, chunkSize: 2 });
    const at = new Date('2026-11-22T03:00:00Z');
    writer.add({ shopId, timezone: TZ, at, productId: 'p', resellerId: 'r', counts: { clicks: 3 } });
    const realUpdate = rollupWrites.update.bind(rollupWrites);
    let calls = 0;
    // The second chunk "fails" after its writes landed — like a connection lost before the reply.
    const spy = jest.spyOn(rollupWrites, 'update').mockImplementation(async (...args) => {
      calls += 1;
      const result = await realUpdate(...args);
      if (calls === 2) throw new Error('connection reset');
      return result;
    });
    try {
      await writer.flush();
    } finally {
      spy.mockRestore();
    }
    writer.add({ shopId, timezone: TZ, at, productId: 'p', resellerId: 'r', counts: { clicks: 1 } });
    await writer.flush();
    const buckets = [
      ...(await readRollups({ scope: 'shop', shopId, granularity: 'day' })),
      ...(await readRollups({ scope: 'product', shopId, granularity: 'hour' })),
      ...(await readRollups({ scope: 'reseller', shopId, granularity: 'day' })),
    ];
    expect(buckets.map((b) => b.clicks)).toEqual([4, 4, 4]);
    expect(sumBuckets(await readRollups({ scope: 'shop', shopId, granularity: 'hour' })).clicks).toBe(4);
  });

  it('keeps increments while the database refuses writes and writes them once it is back', async () => {
    const shopId = 'd'.repeat(24);
    const writer = new RollupWriter({ intervalMs: 0 });
    writer.add({ shopId, timezone: TZ, at: new Date(), counts: { previews: 2 } });
    const spy = jest.spyOn(rollupWrites, 'update').mockRejectedValue(new Error('db down'));
    await expect(writer.flush(2)).rejects.toThrow('db down');
    spy.mockRestore();
    writer.add({ shopId, timezone: TZ, at: new Date(), counts: { previews: 1 } });
    await writer.flush();
    const [day] = await readRollups({ scope: 'shop', shopId, granularity: 'day' });
    expect(day!.previews).toBe(3);
  });

  it('updates more than 100 existing buckets in one flush (FerretDB hangs on an update command of 100+ matching statements)', async () => {
    const shopId = 'e'.repeat(24);
    const writer = new RollupWriter({ intervalMs: 0 });
    const at = new Date('2026-11-22T03:00:00Z');
    const addAll = (): void => {
      for (let i = 0; i < 150; i += 1) writer.add({ shopId, timezone: TZ, at, linkId: `link${i}`, counts: { clicks: 1 } });
    };
    addAll();
    await writer.flush();
    // Second round: every upsert now matches an existing document — the case that wedged the database.
    addAll();
    await writer.flush();
    const links = await readRollups({ scope: 'link', shopId, granularity: 'day' });
    expect(links).toHaveLength(150);
    expect(links.every((b) => b.clicks === 2)).toBe(true);
    // The rest of the database still answers.
    expect(await rollupCollection().countDocuments({ shopId, scope: 'shop' })).toBe(2);
  }, 60_000);

  it('keeps each shop’s day total in memory at once, and stores it soon (without waiting behind the per-link backlog) with the version it matches', async () => {
    const busyShop = 'f'.repeat(24);
    const quietShop = '1'.repeat(24);
    const writer = new RollupWriter({ liveIntervalMs: 20, chunkSize: writesAreSerialized() ? 8 : 2 });
    try {
      const at = new Date();
      const day = bucketsFor(at, TZ)[1].period;
      for (let i = 0; i < 500; i += 1) writer.add({ shopId: busyShop, timezone: TZ, at, linkId: `busy${i}`, counts: { clicks: 1 } });
      expect(writer.dayTally(busyShop, day)).toMatchObject({ counts: { clicks: 500 } });
      // Let the writer start on the per-link backlog (1,000 buckets), then two clicks on a quiet shop.
      await new Promise((r) => setTimeout(r, 150));
      writer.add({ shopId: quietShop, timezone: TZ, at, linkId: 'quiet', counts: { clicks: 1 } });
      writer.add({ shopId: quietShop, timezone: TZ, at, linkId: 'quiet', counts: { clicks: 1, uniqueClicks: 1 } });
      const tally = { ...writer.dayTally(quietShop, day)!, counts: { ...writer.dayTally(quietShop, day)!.counts } };
      expect(tally.counts).toMatchObject({ clicks: 2, uniqueClicks: 1 });
      expect(writer.latestTally(quietShop)).toMatchObject({ day, v: tally.v });
      let stored: (RollupRecord & { liveV?: number }) | undefined;
      let backlogWhenStored = 0;
      for (let i = 0; i < 1000 && !stored; i += 1) {
        const doc = await rollupCollection().findOne({ _id: rollupDocId(quietShop, 'shop', quietShop, 'day', day, writer.writerId) });
        if (doc) {
          stored = doc;
          backlogWhenStored = writer.backlog;
        } else await new Promise((r) => setTimeout(r, 10));
      }
      // The stored document holds the counts the in-memory total had at the version it carries.
      expect(stored).toMatchObject({ clicks: 2, uniqueClicks: 1, liveV: tally.v });
      // The quiet shop's counter was stored while most per-link buckets were still waiting.
      expect(backlogWhenStored).toBeGreaterThan(100);
    } finally {
      await writer.close();
    }
    const links = await readRollups({ scope: 'link', shopId: busyShop, granularity: 'hour' });
    expect(sumBuckets(links).clicks).toBe(500);
  }, 60_000);

  it('keeps counting one link exactly across flushes and when its attribution changes (remembered bucket entries never go stale)', async () => {
    const shopId = '2'.repeat(24);
    const writer = new RollupWriter({ intervalMs: 0 });
    const at = new Date('2026-11-22T03:00:00Z');
    const click = (resellerId?: string): void => writer.add({ shopId, timezone: TZ, at, productId: 'p', resellerId, linkId: 'l', channel: 'whatsapp', counts: { clicks: 1 } });
    click('r');
    await writer.flush();
    click('r');
    click('r');
    // The reseller got blocked: the same link's clicks now count for nobody.
    click(undefined);
    await writer.flush();
    click('r');
    await writer.flush();
    const sumOf = async (scope: 'link' | 'reseller' | 'product'): Promise<number> => sumBuckets(await readRollups({ scope, shopId, granularity: 'day' })).clicks;
    expect(await sumOf('link')).toBe(5);
    expect(await sumOf('product')).toBe(5);
    expect(await sumOf('reseller')).toBe(4);
  });
});
