import mongoose, { Types } from 'mongoose';
import { buildTestApp, useTestDatabase } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop } from '../../test/factories';
import { uriWithDatabase } from '../db/engine';
import { connectDatabase } from '../db/connection';
import { ClickEventModel, type ClickEventRecord } from '../models/ClickEvent';
import { rollupCollection } from '../models/Rollup';
import type { RollupFact } from '../rollups/rollupWriter';
import { ClickBuffer } from './clickBuffer';

const db = useTestDatabase();
const app = buildTestApp();
afterAll(() => app.redirect.close());

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const reconnect = (): Promise<unknown> => connectDatabase(uriWithDatabase(process.env.TULAR_TEST_DB_URI!, db.name));

async function seedCode(): Promise<{ code: string; id: string }> {
  const owner = await buildOwner(app);
  const shop = await buildShop(app, owner);
  const product = await buildProduct(app, owner, shop.id);
  const reseller = await buildReseller(app);
  await joinShop(app, reseller, shop.id, owner);
  const res = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id });
  return { code: res.body.data.code, id: res.body.data.id };
}

describe('database outage during click traffic', () => {
  it('keeps redirecting cached links without the database, retries the buffered clicks and stores every one when it returns', async () => {
    const warm = await seedCode();
    const cold = await seedCode();
    await app.http.get(`/r/${warm.code}`).set('User-Agent', BROWSER).expect(302);
    await app.redirect.clicks.flush();
    const before = app.redirect.clicks.stats();

    await mongoose.disconnect();
    try {
      // A cache hit needs no database at all.
      const during = await Promise.all(Array.from({ length: 20 }, () => app.http.get(`/r/${warm.code}`).set('User-Agent', BROWSER)));
      expect(during.map((r) => r.status)).toEqual(Array(20).fill(302));
      expect(during[0]!.headers.location).toContain(`ref=${warm.code}`);
      // A miss cannot be answered: a friendly 503 page, quickly.
      const miss = await app.http.get(`/r/${cold.code}`).set('User-Agent', BROWSER);
      expect(miss.status).toBe(503);
      expect(miss.headers['retry-after']).toBe('5');
      expect(miss.text).toContain('coba buka tautan ini lagi');
      await sleep(800);
      const waiting = app.redirect.clicks.stats();
      expect(waiting.buffered).toBe(20);
      expect(waiting.retries).toBeGreaterThan(before.retries);
    } finally {
      await reconnect();
    }
    await app.redirect.clicks.flush();
    await app.deps.rollups.flush();
    expect(await ClickEventModel.countDocuments({ linkId: warm.id })).toBe(21);
    const docs = await rollupCollection().find({ scope: 'link', key: warm.id, granularity: 'hour' }).toArray();
    expect(docs.reduce((n, d) => n + (d.clicks ?? 0), 0)).toBe(21);
    expect(app.redirect.clicks.stats()).toMatchObject({ buffered: 0, shed: 0, lost: 0 });
    expect((await app.http.get(`/r/${cold.code}`).set('User-Agent', BROWSER)).status).toBe(302);
  });

  it('past the high-water mark sheds raw events but still counts them, and says so in its stats', async () => {
    const { code } = await seedCode();
    await app.http.get(`/r/${code}`).set('User-Agent', BROWSER).expect(302);
    const target = app.redirect.cache.peek(code)!;
    const facts: RollupFact[] = [];
    const buffer = new ClickBuffer({ logger: app.deps.logger, bus: app.deps.bus, rollups: { add: (f) => facts.push(f) }, highWater: 5, intervalMs: 50, maxBackoffMs: 100 });
    const record = (): ClickEventRecord => ({
      _id: new Types.ObjectId(),
      linkId: target.linkId,
      code,
      shopId: target.shopId,
      productId: target.productId,
      resellerId: target.resellerId,
      kind: 'click',
      unique: false,
      visitorHash: null,
      ipHash: 'h'.repeat(22),
      device: 'desktop',
      os: 'windows',
      browser: 'chrome',
      referrerHost: null,
      utm: {},
      channel: target.channel,
      viaQr: false,
      at: new Date(),
    });
    await mongoose.disconnect();
    try {
      for (let i = 0; i < 8; i += 1) buffer.record(record(), target);
      expect(buffer.stats()).toMatchObject({ buffered: 5, shed: 3 });
      // Every click is counted at once, stored raw event or not: counters do not wait for the raw backlog.
      expect(facts).toHaveLength(8);
    } finally {
      await reconnect();
    }
    await buffer.close();
    expect(buffer.stats()).toMatchObject({ buffered: 0, written: 5, shed: 3, lost: 0 });
    expect(facts.reduce((n, f) => n + (f.counts.clicks ?? 0), 0)).toBe(8);
  });

  it('a retried batch that partly landed is stored once (client-made ids)', async () => {
    const { code } = await seedCode();
    await app.http.get(`/r/${code}`).set('User-Agent', BROWSER).expect(302);
    await app.redirect.clicks.flush();
    const target = app.redirect.cache.peek(code)!;
    const existing = await ClickEventModel.findOne({ code }).lean<ClickEventRecord>();
    const facts: RollupFact[] = [];
    const buffer = new ClickBuffer({ logger: app.deps.logger, bus: app.deps.bus, rollups: { add: (f) => facts.push(f) } });
    // The first record is already in the database, as after a batch that failed after writing it.
    buffer.record(existing!, target);
    buffer.record({ ...existing!, _id: new Types.ObjectId() }, target);
    await buffer.close();
    expect(await ClickEventModel.countDocuments({ code })).toBe(2);
    expect(buffer.stats()).toMatchObject({ written: 2, lost: 0 });
  });

  it('counts a click and announces it live at once, while raw inserts keep failing', async () => {
    const { code } = await seedCode();
    await app.http.get(`/r/${code}`).set('User-Agent', BROWSER).expect(302);
    await app.redirect.clicks.flush();
    await app.deps.rollups.flush();
    const target = app.redirect.cache.peek(code)!;
    const dayClicks = async (): Promise<number> =>
      (await rollupCollection().find({ scope: 'shop', key: target.ids.shop, granularity: 'day' }).toArray()).reduce((n, d) => n + (d.clicks ?? 0), 0);
    const before = await dayClicks();
    const heard: number[] = [];
    const listener = (): void => {
      heard.push(Date.now());
    };
    app.deps.bus.on('click', listener);
    // Raw events cannot be stored (a backlog the database never catches up with); counters can.
    const db = ClickEventModel.db.db!;
    const command = db.command.bind(db);
    const spy = jest
      .spyOn(db, 'command')
      .mockImplementation((cmd, options) => ('insert' in cmd && cmd.insert === ClickEventModel.collection.collectionName ? Promise.reject(new Error('raw inserts are behind')) : command(cmd, options)));
    try {
      const sent = Date.now();
      await app.http.get(`/r/${code}`).set('User-Agent', BROWSER).expect(302);
      for (let i = 0; i < 100 && heard.length === 0; i += 1) await sleep(20);
      expect(heard).toHaveLength(1);
      expect(heard[0]! - sent).toBeLessThan(1000);
      // Its counters are stored behind it (the live lane), raw inserts failing or not.
      for (let i = 0; i < 100 && (await dayClicks()) === before; i += 1) await sleep(20);
      expect(await dayClicks()).toBe(before + 1);
      expect(app.redirect.clicks.stats()).toMatchObject({ buffered: 1 });
    } finally {
      spy.mockRestore();
      app.deps.bus.off('click', listener);
    }
    await app.redirect.clicks.flush();
    expect(await ClickEventModel.countDocuments({ code })).toBe(2);
  });
});
