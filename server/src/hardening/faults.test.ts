import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { ensureFerretdb, startFerretdb, type FerretdbProcess } from '../db/ferretdb';
import { spawn } from 'node:child_process';
import { api, click, SECRETS, startTularProcess, type TularProcess } from './processes';

/**
 * Faults with real processes: a dedicated FerretDB on a directory this test owns and the real
 * server (src/index.ts) as child processes. The database is killed and restarted on the same port
 * and files; servers are SIGTERMed and SIGKILLed mid-traffic; two instances share the database and
 * the Redis on 127.0.0.1:6379.
 */
jest.setTimeout(120_000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const REDIS_URL = 'redis://127.0.0.1:6379';

let binary: string;
let dir: string;
let port: number;
let ferret: FerretdbProcess;
let uri: string;
let client: MongoClient;
let db: Db;
const servers: TularProcess[] = [];

interface World {
  ownerToken: string;
  resellerToken: string;
  shopId: string;
  productId: string;
  linkId: string;
  code: string;
}

async function startServer(env: Record<string, string> = {}): Promise<TularProcess> {
  const s = await startTularProcess(`${uri}tular`, env);
  servers.push(s);
  return s;
}

async function buildWorld(base: string): Promise<World> {
  const tag = crypto.randomBytes(4).toString('hex');
  const phone = (): string => `0812${String(crypto.randomInt(10_000_000, 99_999_999))}`;
  const owner = await api(base, 'POST', '/auth/register', { name: 'Bu Albar', email: `o.${tag}@example.id`, phone: phone(), password: 'rahasia-123', role: 'owner' });
  const reseller = await api(base, 'POST', '/auth/register', { name: 'Rina', email: `r.${tag}@example.id`, phone: phone(), password: 'rahasia-123', role: 'reseller', segment: 'follower' });
  const ownerToken = String(owner.body.data?.accessToken);
  const resellerToken = String(reseller.body.data?.accessToken);
  const shop = await api(base, 'POST', '/shops', { name: 'Albar', slug: `albar-${tag}`, whatsapp: '081234567890', holdDays: 0 }, ownerToken);
  expect(shop.status).toBe(201);
  const shopId = String(shop.body.data?.id);
  const product = await api(base, 'POST', `/shops/${shopId}/products`, { name: 'Keripik', price: 25_000, stock: 1000 }, ownerToken);
  const productId = String(product.body.data?.id);
  await api(base, 'POST', `/shops/${shopId}/join`, undefined, resellerToken);
  const link = await api(base, 'POST', '/links', { productId }, resellerToken);
  expect([200, 201]).toContain(link.status);
  return { ownerToken, resellerToken, shopId, productId, linkId: String(link.body.data?.id), code: String(link.body.data?.code) };
}

async function clicksStored(linkId: string): Promise<number> {
  return db.collection('clickevents').countDocuments({ linkId: new ObjectId(linkId), kind: 'click' });
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await sleep(250);
  }
  return false;
}

beforeAll(async () => {
  binary = ensureFerretdb(path.resolve(process.env.TULAR_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'tular')), () => undefined);
  dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'tular-faults-'));
  ferret = await startFerretdb(binary, dir);
  uri = ferret.uri;
  port = Number(new URL(uri).port);
  client = await MongoClient.connect(`${uri}tular`, { serverSelectionTimeoutMS: 5000 });
  db = client.db('tular');
});

afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.kill('SIGKILL');
  await client?.close().catch(() => undefined);
  await ferret?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('database down for several seconds during click traffic', () => {
  it('keeps redirecting from the cache, reports not-ready, fails writes fast with 503, and stores every click after recovery', async () => {
    const server = await startServer();
    const world = await buildWorld(server.url);
    let redirects = 0;
    const traffic = async (n: number): Promise<number[]> => {
      const statuses = await Promise.all(Array.from({ length: n }, () => click(server.url, world.code)));
      redirects += statuses.filter((s) => s === 302).length;
      return statuses;
    };
    expect(await traffic(10)).toEqual(Array(10).fill(302));

    await client.close();
    await ferret.stop();
    const downSince = Date.now();
    const during: number[] = [];
    let readyWhileDown: number | undefined;
    const writes: Array<Awaited<ReturnType<typeof api>>> = [];
    try {
      while (Date.now() - downSince < 4000) {
        during.push(...(await traffic(5)));
        readyWhileDown ??= (await fetch(`${server.url}/readyz`)).status;
        // Writes of several kinds, all through the outage: each must be refused at once.
        writes.push(await api(server.url, 'PATCH', `/products/${world.productId}`, { stock: 999 }, world.ownerToken));
        writes.push(await api(server.url, 'POST', '/checkout', { productId: world.productId, quantity: 1, buyer: { name: 'Siti', phone: '081298765432' }, ref: world.code }));
        await sleep(200);
      }
    } finally {
      // Back on the same port and files, whatever happened above (the later tests need it).
      ferret = await startFerretdb(binary, dir, port);
      client = await MongoClient.connect(`${uri}tular`, { serverSelectionTimeoutMS: 5000 });
      db = client.db('tular');
    }
    if (writes.some((w) => w.status !== 503)) process.stderr.write(`server output:\n${server.output().slice(-3000)}\n`);
    expect(during.every((s) => s === 302)).toBe(true);
    expect(readyWhileDown).toBe(503);
    expect(writes.length).toBeGreaterThanOrEqual(4);
    expect(writes.map((w) => [w.status, w.body.error?.code])).toEqual(writes.map(() => [503, 'DATABASE_UNAVAILABLE']));
    // Fail fast: not after the driver's 5 s server selection, but at once.
    expect(Math.max(...writes.map((w) => w.ms))).toBeLessThan(1000);

    expect(await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, 30_000)).toBe(true);
    expect(await waitFor(async () => (await clicksStored(world.linkId)) >= redirects, 30_000)).toBe(true);
    expect(await clicksStored(world.linkId)).toBe(redirects);

    server.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });
});

describe('SIGTERM during traffic', () => {
  it('finishes in-flight requests, flushes the click buffer and exits 0 within 15 s', async () => {
    const server = await startServer();
    const world = await buildWorld(server.url);
    let redirects = 0;
    const failures: string[] = [];
    let stop = false;
    let termAt = Infinity;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const startedAt = Date.now();
        const s = await click(server.url, world.code);
        if (s === 302) redirects += 1;
        // 0 is a reset or refused connection: a request sent before SIGTERM that was dropped is a
        // failure; after SIGTERM the listener is closed, so a refusal then is the expected answer.
        else if (s !== 0 || startedAt < termAt) failures.push(`${s} for a request sent ${startedAt < termAt ? 'before' : 'after'} SIGTERM`);
        if (s === 0) return;
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    await sleep(1500);
    termAt = Date.now();
    server.kill('SIGTERM');
    const exit = await server.exited;
    stop = true;
    await Promise.all(workers);
    expect(exit.code).toBe(0);
    expect(exit.at - termAt).toBeLessThan(15_000);
    expect(failures).toEqual([]);
    expect(redirects).toBeGreaterThan(0);
    expect(await clicksStored(world.linkId)).toBe(redirects);
  });
});

/** Runs the rebuild command (`npm run rollups:rebuild`) against the test database, as an operator would. */
function rebuildRollupsCli(shopId: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/rebuildRollups.ts', shopId], {
      cwd: path.resolve(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...SECRETS, NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1:1', MONGODB_URI: `${uri}tular`, LOG_LEVEL: 'warn' },
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** The shop's counters summed over every bucket and writer (day buckets). */
async function shopRollupTotals(shopId: string): Promise<Record<string, number>> {
  const docs = await db.collection('rollups').find({ shopId, scope: 'shop', granularity: 'day' }).toArray();
  const totals: Record<string, number> = { clicks: 0, orders: 0, units: 0, revenue: 0, commission: 0 };
  for (const d of docs) for (const k of Object.keys(totals)) totals[k]! += Number(d[k] ?? 0);
  return totals;
}

describe('SIGKILL right after an order is acknowledged', () => {
  // The guarantee: an acknowledged (201) order, its stock reservation and its ledger entries are
  // durable before the answer. Rollup counters are written behind the request (≤ 250 ms later), so a
  // SIGKILL may lose the last increments; the rebuild command repairs them from the orders and clicks.
  it('loses nothing acknowledged (order, stock, ledger); after the rebuild command the stats match the orders', async () => {
    const server = await startServer();
    const world = await buildWorld(server.url);
    for (let i = 0; i < 5; i += 1) expect(await click(server.url, world.code)).toBe(302);
    const orders: Array<Awaited<ReturnType<typeof api>>> = [];
    for (let i = 0; i < 3; i += 1) {
      orders.push(
        await api(server.url, 'POST', '/checkout', {
          productId: world.productId,
          quantity: 2,
          buyer: { name: 'Siti', phone: '081298765432', address: 'Malang' },
          ref: world.code,
        }),
      );
    }
    expect(orders.map((o) => o.status)).toEqual([201, 201, 201]);
    server.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');

    const last = orders[orders.length - 1]!;
    const stored = await db.collection('orders').findOne({ _id: new ObjectId(String(last.body.data?.id)) });
    expect(stored).toMatchObject({ quantity: 2, status: 'pending' });
    const entries = await db.collection('ledgerentries').find({ orderId: new ObjectId(String(last.body.data?.id)) }).toArray();
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries.every((e) => e.kind === 'accrue')).toBe(true);
    const product = await db.collection('products').findOne({ _id: new ObjectId(world.productId) });
    expect(product?.stock).toBe(1000 - 6);

    const storedOrders = await db.collection('orders').find({ shopId: new ObjectId(world.shopId) }).toArray();
    const expected = {
      clicks: await db.collection('clickevents').countDocuments({ shopId: new ObjectId(world.shopId), kind: 'click' }),
      orders: storedOrders.length,
      units: storedOrders.reduce((sum, o) => sum + Number(o.quantity), 0),
      revenue: storedOrders.reduce((sum, o) => sum + Number(o.total), 0),
      commission: storedOrders.reduce((sum, o) => sum + Number(o.commission ?? 0), 0),
    };
    expect(expected).toMatchObject({ orders: 3, units: 6, revenue: 150_000 });
    // What the killed process had flushed (often not the last order): reported, not relied on.
    const beforeRebuild = await shopRollupTotals(world.shopId);
    process.stderr.write(`rollups after SIGKILL, before the rebuild: ${JSON.stringify(beforeRebuild)} (orders say ${JSON.stringify(expected)})\n`);

    const rebuilt = await rebuildRollupsCli(world.shopId);
    expect([rebuilt.code, rebuilt.output]).toEqual([0, expect.stringContaining('rollups rebuilt for 1 shop(s)')]);
    expect(await shopRollupTotals(world.shopId)).toEqual(expected);

    // And the owner sees it: a fresh instance's stats API reports exactly the stored orders.
    const next = await startServer();
    const stats = await api(next.url, 'GET', `/shops/${world.shopId}/stats`, undefined, world.ownerToken);
    expect(stats.status).toBe(200);
    expect((stats.body.data as { totals: Record<string, number> }).totals).toMatchObject(expected);
    next.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });
});

describe('two instances on the same database and Redis', () => {
  it('disabling a link on A makes B answer 404; the hold job on both releases each commission once', async () => {
    const env = { REDIS_URL, HOLD_RELEASE_INTERVAL_MS: '200' };
    const a = await startServer(env);
    const b = await startServer(env);
    const world = await buildWorld(a.url);
    expect(await click(b.url, world.code)).toBe(302); // now cached on B

    // Fulfilled orders with a 0-day hold are due at once: both releasers race for them.
    const orderIds: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const order = await api(a.url, 'POST', '/checkout', { productId: world.productId, quantity: 1, buyer: { name: 'Siti', phone: '081298765432' }, ref: world.code });
      expect(order.status).toBe(201);
      orderIds.push(String(order.body.data?.id));
    }
    for (const id of orderIds) {
      const via = orderIds.indexOf(id) % 2 ? b : a;
      expect((await api(via.url, 'PATCH', `/orders/${id}`, { status: 'paid', paymentReference: 'TRF-1' }, world.ownerToken)).status).toBe(200);
      expect((await api(via.url, 'PATCH', `/orders/${id}`, { status: 'fulfilled' }, world.ownerToken)).status).toBe(200);
    }

    const disabled = await api(a.url, 'PATCH', `/links/${world.linkId}`, { active: false }, world.resellerToken);
    expect(disabled.status).toBe(200);
    expect(await waitFor(async () => (await click(b.url, world.code)) === 404, 5000)).toBe(true);
    expect(await click(a.url, world.code)).toBe(404);

    const ids = orderIds.map((id) => new ObjectId(id));
    const released = (): Promise<number> => db.collection('ledgerentries').countDocuments({ orderId: { $in: ids }, kind: 'release' });
    expect(await waitFor(async () => (await released()) >= orderIds.length, 15_000)).toBe(true);
    await sleep(1500); // several more runs of both releasers
    const entries = await db.collection('ledgerentries').find({ orderId: { $in: ids }, kind: 'release' }).toArray();
    const perOrder = new Map<string, number>();
    for (const e of entries) perOrder.set(String(e.orderId), (perOrder.get(String(e.orderId)) ?? 0) + 1);
    expect([...perOrder.values()]).toEqual(orderIds.map(() => 1));

    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });
});
