import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { applyLivePart, applyLiveSnapshot, EMPTY_LIVE_TOTALS, type LiveServerEvents, type LiveStatsEvent } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop } from '../../test/factories';
import { freePort } from '../db/ferretdb';
import { ClickEventModel } from '../models/ClickEvent';
import { rollupCollection } from '../models/Rollup';
import { bucketsFor } from '../rollups/buckets';
import { rollupDocId } from '../rollups/rollupWriter';
import { stallRollupWrites } from '../rollups/stalledWrites';

useTestDatabase();
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let redis: ChildProcess | undefined;
let a: TestApp;
let b: TestApp;

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

(hasRedis ? describe : describe.skip)('two instances behind one database and Redis', () => {
  /** An owner's shop with a product, and a reseller's link to it (made on A). */
  async function sharedLink() {
    const owner = await buildOwner(a);
    const shop = await buildShop(a, owner);
    const product = await buildProduct(a, owner, shop.id);
    const reseller = await buildReseller(a);
    const membership = await joinShop(a, reseller, shop.id, owner);
    const link = (await a.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id })).body.data as { id: string; code: string };
    return { owner, shop, product, membership, link };
  }

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPort(port);
    a = buildTestApp({ redisUrl: `redis://127.0.0.1:${port}` });
    b = buildTestApp({ redisUrl: `redis://127.0.0.1:${port}` });
    await sleep(200);
  });
  afterAll(async () => {
    // Both instances' Redis clients (link cache and socket.io adapter) must quit before Redis goes.
    await Promise.all([a, b].map(async (t) => t && (await t.close(), await t.redirect.close(), await t.deps.lifecycle.shutdown())));
    if (redis && redis.exitCode === null) {
      const gone = new Promise((resolve) => redis!.once('exit', resolve));
      redis.kill('SIGTERM');
      await gone;
    }
  });

  it('drops the link from both caches when an owner disables it on one instance', async () => {
    const { owner, link } = await sharedLink();
    expect((await a.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    expect((await b.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
    expect(b.redirect.cache.peek(link.code)).toBeTruthy();

    await a.http.patch(`/api/v1/links/${link.id}`).set(owner.auth).send({ active: false }).expect(200);
    expect((await a.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(404);
    let statusOnB = 0;
    for (let i = 0; i < 40 && statusOnB !== 404; i += 1) {
      statusOnB = (await b.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status;
      if (statusOnB !== 404) await sleep(50);
    }
    expect(statusOnB).toBe(404);
    await Promise.all([a.redirect.clicks.flush(), b.redirect.clicks.flush()]);
  });

  it('stops attributing on both instances when an owner blocks the reseller on one of them', async () => {
    const { owner, product, membership, link } = await sharedLink();
    const visit = async (t: TestApp): Promise<{ location: string; refCookie: boolean }> => {
      const res = await t.http.get(`/r/${link.code}`).set('User-Agent', BROWSER).expect(302);
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      return { location: res.headers.location!, refCookie: cookies.some((c) => c.startsWith('tular_ref=')) };
    };
    const attributed = { location: `${a.deps.config.publicUrl}/p/${product.id}?ref=${link.code}`, refCookie: true };
    expect(await visit(a)).toEqual(attributed);
    expect(await visit(b)).toEqual(attributed);
    // Cached on B (an attributed target) before the block: only the relayed event can change it.
    expect(b.redirect.cache.peek(link.code)).toMatchObject({ attributed: true });

    await a.http.patch(`/api/v1/memberships/${membership.id}`).set(owner.auth).send({ status: 'blocked' }).expect(200);
    const unattributed = { location: `${a.deps.config.publicUrl}/p/${product.id}`, refCookie: false };
    expect(await visit(a)).toEqual(unattributed);
    let onB = await visit(b);
    for (let i = 0; i < 40 && onB.refCookie; i += 1) {
      await sleep(50);
      onB = await visit(b);
    }
    expect(onB).toEqual(unattributed);
    await Promise.all([a.redirect.clicks.flush(), b.redirect.clicks.flush()]);
    const events = await ClickEventModel.find({ linkId: link.id }).sort({ at: 1 }).lean();
    expect(events.at(-1)).toMatchObject({ resellerId: null });
  });
  it("shows a click on A on the owner's dashboard on B at once while counter writes hang, and B's snapshot (stored counters) does not lower it", async () => {
    const { owner, shop, link } = await sharedLink();
    await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
    const socket: Socket<LiveServerEvents> = connect(`http://127.0.0.1:${(b.server.address() as AddressInfo).port}`, {
      auth: { token: owner.accessToken, shops: [shop.id] },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    // The owner's dashboard on B, by the client's own merge rule.
    let shown = EMPTY_LIVE_TOTALS;
    const snapshots: LiveStatsEvent[] = [];
    socket.onAny((event: string, payload: LiveStatsEvent & Parameters<typeof applyLivePart>[1]) => {
      if (event === 'stats') {
        snapshots.push(payload);
        shown = applyLiveSnapshot(shown, payload);
      } else if (event === 'click') shown = applyLivePart(shown, payload);
    });
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 150 && !check(); i += 1) await sleep(20);
      expect(check()).toBe(true);
    };
    /** B sends a snapshot now; resolves with it. */
    const snapshotOnB = async (): Promise<LiveStatsEvent> => {
      const seen = snapshots.length;
      await b.realtime.publishSnapshots();
      await until(() => snapshots.length > seen);
      return snapshots.at(-1)!;
    };
    const storedOnA = async (): Promise<number> =>
      (await rollupCollection().findOne({ _id: rollupDocId(shop.id, 'shop', shop.id, 'day', bucketsFor(new Date(), 'Asia/Jakarta')[1].period, a.deps.rollups.writerId) }))?.clicks ?? 0;
    try {
      await until(() => shown.complete);
      // The database takes the counter writes of both instances but does not finish them.
      const stalled = stallRollupWrites();
      try {
        expect((await a.http.get(`/r/${link.code}`).set('User-Agent', BROWSER)).status).toBe(302);
        await until(() => shown.clicks === 1);
        expect(await storedOnA()).toBe(0);
        // B's snapshot knows A's part only from the database, which holds nothing yet.
        expect((await snapshotOnB()).clicks).toBe(0);
        expect(shown.clicks).toBe(1);
      } finally {
        stalled.release();
      }
      for (let i = 0; i < 100 && (await storedOnA()) === 0; i += 1) await sleep(20);
      // Stored now: the snapshot counts it, the dashboard still shows it once.
      expect((await snapshotOnB()).clicks).toBe(1);
      expect(shown.clicks).toBe(1);
    } finally {
      socket.disconnect();
    }
    await Promise.all([a.redirect.clicks.flush(), b.redirect.clicks.flush()]);
  });
});
