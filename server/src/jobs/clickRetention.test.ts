import { Types } from 'mongoose';
import { testConfig, useTestDatabase } from '../../test/harness';
import { Lifecycle } from '../lib/lifecycle';
import { createLogger } from '../lib/logger';
import { ClickEventModel, type ClickEventRecord } from '../models/ClickEvent';
import { rollupCollection } from '../models/Rollup';
import { purgeOldClicks, startClickRetention } from './clickRetention';

useTestDatabase();
const DAY_MS = 86_400_000;

function clickAt(at: Date, code: string): ClickEventRecord {
  return {
    _id: new Types.ObjectId(),
    linkId: new Types.ObjectId(),
    code,
    shopId: new Types.ObjectId(),
    productId: null,
    resellerId: null,
    kind: 'click',
    unique: true,
    ipHash: 'x'.repeat(22),
    device: 'mobile',
    os: 'android',
    browser: 'chrome',
    channel: 'whatsapp',
    viaQr: false,
    at,
  };
}

/** Raw events 89, 90 and 91 days old (relative to `now`), plus a rollup bucket as old as the oldest. */
async function seed(now: Date, tag: string): Promise<void> {
  const ago = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
  await ClickEventModel.collection.insertMany([clickAt(ago(89), `${tag}89`), clickAt(ago(90), `${tag}90`), clickAt(ago(91), `${tag}91`)]);
  await rollupCollection().insertOne({
    _id: `${tag}:rollup`,
    shopId: 'shop',
    scope: 'shop',
    key: 'shop',
    granularity: 'day',
    period: '2000-01-01',
    start: ago(91),
    writer: 'test',
    clicks: 3,
  } as never);
}

const codesLeft = async (tag: string): Promise<string[]> =>
  (await ClickEventModel.find({ code: { $regex: `^${tag}` } }, { code: 1 }).lean()).map((e) => e.code).sort();

describe('click retention', () => {
  it('deletes raw events older than the retention and keeps the boundary day, younger events and every rollup', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    await seed(now, 'exact');
    expect(await purgeOldClicks(90, now)).toBe(1);
    // Exactly 90 days old is still inside a 90-day retention.
    expect(await codesLeft('exact')).toEqual(['exact89', 'exact90']);
    expect(await rollupCollection().countDocuments({ _id: 'exact:rollup' })).toBe(1);
    // Idempotent: a second run (another instance at the same time) deletes nothing more.
    expect(await purgeOldClicks(90, now)).toBe(0);
  });

  it('runs shortly after start (not an hour later) with CLICK_RETENTION_DAYS, then on its interval, and stops on shutdown', async () => {
    // Seeded a moment before "now": by the time the job runs the 90-day-old event is just past the cutoff.
    await seed(new Date(), 'job');
    const logger = createLogger('silent');
    const lifecycle = new Lifecycle(logger);
    const job = startClickRetention({ config: testConfig({ clickRetentionDays: 90 }), logger, lifecycle }, { firstRunMs: 20, intervalMs: 1500 });
    const started = Date.now();
    const waitUntil = async (done: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 200 && !(await done()); i += 1) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await waitUntil(async () => (await codesLeft('job')).length === 1);
      expect(await codesLeft('job')).toEqual(['job89']);
      // The first run came well before the interval (an hour in production) elapsed.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(job.runs()).toBe(1);
      expect(await rollupCollection().countDocuments({ _id: 'job:rollup' })).toBe(1);

      // …and the next comes on the interval.
      await ClickEventModel.collection.insertOne(clickAt(new Date(Date.now() - 100 * DAY_MS), 'job100'));
      await waitUntil(async () => (await codesLeft('job')).length === 1);
      expect(await codesLeft('job')).toEqual(['job89']);
      expect(job.runs()).toBe(2);
    } finally {
      await lifecycle.shutdown();
    }
    const runs = job.runs();
    await new Promise((r) => setTimeout(r, 1600));
    expect(job.runs()).toBe(runs);
  });

  it('does the same on several instances at once without errors', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    await seed(now, 'many');
    const deleted = await Promise.all([purgeOldClicks(90, now), purgeOldClicks(90, now), purgeOldClicks(90, now)]);
    expect(deleted.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await codesLeft('many')).toEqual(['many89', 'many90']);
  });
});
