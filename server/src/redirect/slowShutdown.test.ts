import http from 'node:http';
import request from 'supertest';
import { buildTestApp, testConfig, useTestDatabase } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop } from '../../test/factories';
import { createLogger } from '../lib/logger';
import { Lifecycle } from '../lib/lifecycle';
import { EventBus } from '../events/bus';
import { RollupWriter } from '../rollups/rollupWriter';
import { ClickEventModel } from '../models/ClickEvent';
import { rollupCollection } from '../models/Rollup';
import { createRedirect } from './index';

useTestDatabase();
jest.setTimeout(60_000);

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('shutdown while the database is slow (working, but far behind)', () => {
  it('stores every click’s counters, stops writing raw events at its budget and reports the rest as not stored', async () => {
    const app = buildTestApp();
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner);
    const product = await buildProduct(app, owner, shop.id);
    const reseller = await buildReseller(app);
    await joinShop(app, reseller, shop.id, owner);
    const link = (await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id })).body.data as { id: string; code: string };
    await app.close();
    await app.redirect.close();

    // An instance wired as index.ts wires it: the rollup writer's hook registered before the redirect's.
    const config = testConfig();
    const logger = createLogger(config.logLevel);
    const rollups = new RollupWriter({ logger });
    const deps = { config, logger, lifecycle: new Lifecycle(logger), bus: new EventBus(), rollups };
    deps.lifecycle.onShutdown('rollup writer', () => rollups.close());
    // Batches of 5 and no timer: full batches go at once, the rest at shutdown.
    const redirect = createRedirect(deps, { clickBuffer: { batchSize: 5, intervalMs: 600_000, shutdownBudgetMs: 1000 } });
    const server = http.createServer((req, res) => {
      if (!redirect.handle(req, res)) res.writeHead(404).end();
    });

    // Every raw insert takes 400 ms (a database far behind the traffic); everything else is as usual.
    const db = ClickEventModel.db.db!;
    const command = db.command.bind(db);
    const spy = jest.spyOn(db, 'command').mockImplementation(async (cmd, options) => {
      if ('insert' in cmd && cmd.insert === ClickEventModel.collection.collectionName) await sleep(400);
      return command(cmd, options);
    });
    try {
      const N = 40;
      for (let i = 0; i < N; i += 1) await request(server).get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
      const started = Date.now();
      await deps.lifecycle.shutdown();
      const took = Date.now() - started;
      // Writing all eight batches one after another takes 3.2 s; the budget is 1 s plus the batch under way.
      expect(took).toBeLessThan(2500);
      const stats = redirect.clicks.stats();
      expect(stats.written).toBeGreaterThan(0);
      expect(stats.written).toBeLessThan(N);
      expect(stats.written + stats.lost).toBe(N);
      expect(await ClickEventModel.countDocuments({ linkId: link.id })).toBe(stats.written);
      // The counters — the source of truth for stats — hold every click.
      const buckets = await rollupCollection().find({ scope: 'link', key: link.id, granularity: 'day' }).toArray();
      expect(buckets.reduce((n, b) => n + (b.clicks ?? 0), 0)).toBe(N);
    } finally {
      spy.mockRestore();
    }
  });
});
