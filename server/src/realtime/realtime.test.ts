import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';
import { io as connect, type Socket } from 'socket.io-client';
import {
  applyLivePart,
  applyLiveSnapshot,
  EMPTY_LIVE_TOTALS,
  type LiveClickEvent,
  type LiveClientEvents,
  type LiveOrderEvent,
  type LiveServerEvents,
  type LiveStatsEvent,
} from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, type Registered } from '../../test/factories';
import { signAccessToken } from '../lib/accessTokens';
import type { OrderChanged } from '../events/bus';
import { rollupCollection } from '../models/Rollup';
import { bucketsFor } from '../rollups/buckets';
import { rollupDocId } from '../rollups/rollupWriter';
import { stallRollupWrites } from '../rollups/stalledWrites';

useTestDatabase();

type Client = Socket<LiveServerEvents, LiveClientEvents>;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let app: TestApp;
let url: string;
const clients: Client[] = [];

beforeAll(async () => {
  app = buildTestApp();
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

afterAll(async () => {
  await app.close(100);
  await app.deps.lifecycle.shutdown();
});

function open(token: string, extra: Record<string, unknown> = {}, base = url): Client {
  const socket: Client = connect(base, { auth: { token, ...extra }, transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(socket);
  return socket;
}

/** Connects and waits for the server's `ready` (rooms joined). */
function ready(token: string, extra: Record<string, unknown> = {}, base = url): Promise<{ socket: Client; rooms: string[] }> {
  const socket = open(token, extra, base);
  return new Promise((resolve, reject) => {
    socket.once('ready', ({ rooms }) => resolve({ socket, rooms }));
    socket.once('connect_error', reject);
  });
}

function refused(token: string): Promise<{ message: string; code?: string }> {
  const socket = open(token);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected with a bad token')));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve({ message: err.message, code: err.data?.code }));
  });
}

function collect<E extends keyof LiveServerEvents>(socket: Client, event: E): Array<Parameters<LiveServerEvents[E]>[0]> {
  const got: Array<Parameters<LiveServerEvents[E]>[0]> = [];
  (socket as unknown as { on(e: string, fn: (p: Parameters<LiveServerEvents[E]>[0]) => void): void }).on(event, (p) => got.push(p));
  return got;
}

function order(shopId: string, extra: Partial<OrderChanged> = {}): OrderChanged {
  return { orderId: 'o'.repeat(24), shopId, productId: 'p'.repeat(24), status: 'pending', quantity: 2, total: 50_000, at: new Date(), ...extra };
}

/** Waits until a writer id is in the rollup writer registry. */
async function registeredWriter(id: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await mongoose.connection.collection('rollup_writers').findOne({ _id: id as never }))) {
    if (Date.now() > until) throw new Error(`writer ${id} never registered`);
    await sleep(20);
  }
}

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/** A shop of a new owner with one product and an approved reseller's link to it. */
async function shopWithLink(): Promise<{ owner: Registered; shop: { id: string }; code: string }> {
  const owner = await buildOwner(app);
  const shop = await buildShop(app, owner);
  const product = await buildProduct(app, owner, shop.id);
  const r = await buildReseller(app);
  await joinShop(app, r, shop.id, owner);
  const code = (await app.http.post('/api/v1/links').set(r.auth).send({ productId: product.id }).expect(201)).body.data.code as string;
  return { owner, shop, code };
}

describe('live socket', () => {
  let ownerA: Registered;
  let ownerB: Registered;
  let reseller: Registered;
  let shopA1: string;
  let shopA2: string;
  let shopB: string;

  beforeAll(async () => {
    ownerA = await buildOwner(app);
    ownerB = await buildOwner(app);
    reseller = await buildReseller(app);
    shopA1 = (await buildShop(app, ownerA)).id;
    shopA2 = (await buildShop(app, ownerA)).id;
    shopB = (await buildShop(app, ownerB)).id;
  });

  it('refuses bad tokens at the handshake (and on reauth) with the same codes as the HTTP API', async () => {
    const secret = app.deps.config.jwtSecret;
    const claims = { sub: ownerA.user.id, role: 'owner', typ: 'access' };
    const cases: Array<[string, string]> = [
      [jwt.sign(claims, '', { algorithm: 'none' }), 'TOKEN_ALG_REJECTED'],
      [jwt.sign(claims, secret, { algorithm: 'HS512', expiresIn: 60 }), 'TOKEN_ALG_REJECTED'],
      [jwt.sign(claims, 'not-the-secret', { algorithm: 'HS256', expiresIn: 60 }), 'TOKEN_SIGNATURE_INVALID'],
      [jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, secret, { algorithm: 'HS256' }), 'TOKEN_EXPIRED'],
      [jwt.sign({ ...claims, typ: 'refresh' }, secret, { algorithm: 'HS256', expiresIn: 60 }), 'REFRESH_TOKEN_AS_ACCESS'],
      [ownerA.refreshToken, 'REFRESH_TOKEN_AS_ACCESS'],
      ['abc.def', 'TOKEN_INVALID'],
    ];
    for (const [token, code] of cases) expect(await refused(token)).toMatchObject({ code });
    expect(await refused('')).toMatchObject({ code: 'TOKEN_MISSING' });
    const live = await ready(ownerA.accessToken, { shops: [shopA1] });
    for (const [token, code] of cases) {
      const ack = await new Promise<{ ok: boolean; error?: string }>((resolve) => live.socket.emit('reauth', token, resolve));
      expect(ack).toEqual({ ok: false, error: code });
    }
  });

  it('joins an owner to the shops they own (or the subset asked for), a reseller to their own room', async () => {
    expect((await ready(ownerA.accessToken)).rooms.sort()).toEqual([`shop:${shopA1}`, `shop:${shopA2}`].sort());
    expect((await ready(ownerA.accessToken, { shops: [shopA2, shopB] })).rooms).toEqual([`shop:${shopA2}`]);
    expect((await ready(reseller.accessToken, { shops: [shopA1] })).rooms).toEqual([`reseller:${reseller.user.id}`]);
  });

  it("sends an order to its shop's owner and its reseller — another owner's socket receives nothing", async () => {
    const a = await ready(ownerA.accessToken);
    const b = await ready(ownerB.accessToken);
    const r = await ready(reseller.accessToken);
    const other = await ready((await buildReseller(app)).accessToken);
    const gotA = collect(a.socket, 'order');
    const gotB = collect(b.socket, 'order');
    const gotR = collect(r.socket, 'order');
    const gotOther = collect(other.socket, 'order');
    const bAll: string[] = [];
    b.socket.onAny((event: string) => bAll.push(event));

    app.deps.bus.emit('order', order(shopA1, { resellerId: reseller.user.id, segment: 'buzzer' }));
    await waitFor(() => gotA.length === 1 && gotR.length === 1);
    await sleep(400);
    expect(gotA[0]).toMatchObject({ room: `shop:${shopA1}`, count: 1, items: [{ shopId: shopA1, total: 50_000, resellerId: reseller.user.id, segment: 'buzzer' }] });
    expect(gotR[0]!.room).toBe(`reseller:${reseller.user.id}`);
    expect(gotB).toEqual([]);
    expect(gotOther).toEqual([]);
    expect(bAll.filter((e) => e !== 'stats')).toEqual([]);
  });

  it("joins an owner's live sockets to a shop they open after connecting (no reconnect), but not a socket watching a chosen subset", async () => {
    const owner = await buildOwner(app);
    const first = (await buildShop(app, owner)).id;
    const all = await ready(owner.accessToken);
    const subset = await ready(owner.accessToken, { shops: [first] });
    expect(all.rooms).toEqual([`shop:${first}`]);
    const gotAll = collect(all.socket, 'order');
    const gotSubset = collect(subset.socket, 'order');

    const opened = (await buildShop(app, owner)).id;
    // The join follows the shop event (one lookup of the owner); then the new shop's events arrive.
    await waitFor(() => (app.realtime.io.of('/').adapter.rooms.get(`shop:${opened}`)?.size ?? 0) > 0);
    app.deps.bus.emit('order', order(opened));
    await waitFor(() => gotAll.length === 1);
    expect(gotAll[0]).toMatchObject({ room: `shop:${opened}`, items: [{ shopId: opened }] });
    // Another owner's new shop joins nobody here.
    const stranger = (await buildShop(app, await buildOwner(app))).id;
    app.deps.bus.emit('order', order(stranger));
    await sleep(400);
    expect(gotAll).toHaveLength(1);
    expect(gotSubset).toEqual([]);
  });

  it("a reseller's socket hears the approval of a membership in a shop joined after connecting (its room carries every shop)", async () => {
    const owner = await buildOwner(app);
    const shop = await buildShop(app, owner, { joinPolicy: 'approval' });
    const r = await buildReseller(app);
    const live = await ready(r.accessToken);
    const heard = collect(live.socket, 'membership');
    const joined = await app.http.post(`/api/v1/shops/${shop.id}/join`).set(r.auth);
    expect(joined.body.data.status).toBe('pending');
    const approved = await app.http.patch(`/api/v1/memberships/${joined.body.data.id}`).set(owner.auth).send({ status: 'approved' });
    expect(approved.status).toBe(200);
    await waitFor(() => heard.flatMap((e) => e.items).some((i) => i.status === 'approved'));
    expect(heard.flatMap((e) => e.items).every((i) => i.shopId === shop.id)).toBe(true);
  });

  it('coalesces a burst of 200 clicks into a handful of messages whose counts add up to 200', async () => {
    const a = await ready(ownerA.accessToken, { shops: [shopA1] });
    const got = collect(a.socket, 'click') as LiveClickEvent[];
    const arrivals: number[] = [];
    a.socket.on('click', () => arrivals.push(Date.now()));
    const started = Date.now();
    for (let i = 0; i < 200; i += 1) {
      app.deps.bus.emit('click', {
        shopId: shopA1,
        productId: 'p'.repeat(24),
        linkId: i % 2 ? 'a'.repeat(24) : 'b'.repeat(24),
        channel: 'whatsapp',
        kind: i % 10 === 0 ? 'bot' : 'click',
        unique: i % 4 === 0,
        at: new Date(),
      });
      if (i % 40 === 39) await sleep(100);
    }
    await waitFor(() => got.reduce((s, e) => s + e.count, 0) === 200);
    const elapsed = Date.now() - started;
    expect(got.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
    expect(got.length).toBeLessThan(10);
    expect(got.reduce((s, e) => s + e.botClicks, 0)).toBe(20);
    expect(got.reduce((s, e) => s + e.clicks, 0)).toBe(180);
    expect(got.flatMap((e) => e.items).reduce((s, i) => s + i.count, 0)).toBe(200);
    // The first click of a quiet room goes out at once.
    expect(arrivals[0]! - started).toBeLessThan(200);
    for (let i = 1; i < arrivals.length; i += 1) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(200);
  });

  it("sends a stats snapshot with today's totals for the room", async () => {
    const a = await ready(ownerA.accessToken, { shops: [shopA2] });
    const stats = collect(a.socket, 'stats') as LiveStatsEvent[];
    app.deps.rollups.add({ shopId: shopA2, timezone: 'Asia/Jakarta', at: new Date(), counts: { clicks: 40, uniqueClicks: 30, orders: 2, revenue: 90_000, commission: 6_000 } });
    // Yesterday (Jakarta) does not count as today.
    app.deps.rollups.add({ shopId: shopA2, timezone: 'Asia/Jakarta', at: new Date(Date.now() - 30 * 3_600_000), counts: { clicks: 1000 } });
    await app.deps.rollups.flush();
    await app.realtime.publishSnapshots();
    await waitFor(() => stats.some((s) => s.clicks === 40));
    expect(stats.find((s) => s.clicks === 40)).toMatchObject({ room: `shop:${shopA2}`, orders: 2, revenue: 90_000, conversionBp: 500, epc: 15_000, aov: 45_000 });
  });

  it("sums the clicks a second server instance counted today into the snapshot (each instance writes its own rollup documents)", async () => {
    const other = buildTestApp();
    try {
      // The other instance's realtime side registers its writer on start; wait until it has.
      await registeredWriter(other.deps.rollups.writerId);
      const b = await ready(ownerB.accessToken);
      const stats = collect(b.socket, 'stats') as LiveStatsEvent[];
      app.deps.rollups.add({ shopId: shopB, timezone: 'Asia/Jakarta', at: new Date(), counts: { clicks: 11 } });
      other.deps.rollups.add({ shopId: shopB, timezone: 'Asia/Jakarta', at: new Date(), counts: { clicks: 6, orders: 1, revenue: 30_000 } });
      await Promise.all([app.deps.rollups.flush(), other.deps.rollups.flush()]);
      await app.realtime.publishSnapshots();
      await waitFor(() => stats.some((s) => s.clicks === 17));
      expect(stats.find((s) => s.clicks === 17)).toMatchObject({ room: `shop:${shopB}`, orders: 1, revenue: 30_000 });
    } finally {
      await other.close(100);
      await other.deps.lifecycle.shutdown();
    }
  });

  it('announces a click at once while the database stores no counters, and its snapshot counts it from memory — once, also after it is stored', async () => {
    const { owner, shop, code } = await shopWithLink();
    const live = await ready(owner.accessToken, { shops: [shop.id] });
    const clicks = collect(live.socket, 'click') as LiveClickEvent[];
    const stats = collect(live.socket, 'stats') as LiveStatsEvent[];
    // What the owner's dashboard shows after each message (the client's own merge rule).
    let shown = EMPTY_LIVE_TOTALS;
    const figures: number[] = [];
    live.socket.onAny((event: string, payload: LiveStatsEvent & LiveClickEvent) => {
      if (event === 'stats') shown = applyLiveSnapshot(shown, payload);
      else if (event === 'click') shown = applyLivePart(shown, payload);
      figures.push(shown.clicks);
    });
    await waitFor(() => stats.length > 0);
    const dayDoc = rollupDocId(shop.id, 'shop', shop.id, 'day', bucketsFor(new Date(), 'Asia/Jakarta')[1].period, app.deps.rollups.writerId);
    const storedClicks = async (): Promise<number> => (await rollupCollection().findOne({ _id: dayDoc }))?.clicks ?? 0;

    // The database takes counter writes but does not finish them (a slow or stuck engine).
    const stalled = stallRollupWrites();
    try {
      await app.http.get(`/r/${code}`).set('User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148').expect(302);
      await waitFor(() => clicks.length === 1);
      expect(await storedClicks()).toBe(0);
      const part = clicks[0]!.part!;
      expect(clicks[0]).toMatchObject({ room: `shop:${shop.id}`, clicks: 1, day: bucketsFor(new Date(), 'Asia/Jakarta')[1].period });
      expect(part).toMatchObject({ writer: app.deps.rollups.writerId, clicks: 1 });
      // A snapshot now (the 5 s tick, a socket joining) reads stored counters — none — plus this instance's own part from memory.
      await app.realtime.publishSnapshots();
      await waitFor(() => stats.some((s) => s.clicks === 1));
      expect(stats.at(-1)!.parts).toEqual([expect.objectContaining({ writer: app.deps.rollups.writerId, v: part.v, clicks: 1 })]);
      // The writer did try to store the counters; the database still holds none.
      await waitFor(() => stalled.attempts() > 0);
      expect(await storedClicks()).toBe(0);
    } finally {
      stalled.release();
    }
    // Stored at last, with the version the message carried; the dashboard still shows one click.
    for (let i = 0; i < 100 && (await storedClicks()) === 0; i += 1) await sleep(20);
    expect(await rollupCollection().findOne({ _id: dayDoc })).toMatchObject({ clicks: 1, liveV: clicks[0]!.part!.v });
    await app.realtime.publishSnapshots();
    await waitFor(() => stats.filter((s) => s.clicks === 1).length >= 2);
    expect(stats.at(-1)!.parts).toEqual([expect.objectContaining({ writer: app.deps.rollups.writerId, clicks: 1 })]);
    // Never more than one click on screen, never back to zero once shown.
    expect(figures.at(-1)).toBe(1);
    expect(figures.slice(figures.indexOf(1))).toEqual(figures.slice(figures.indexOf(1)).map(() => 1));
  });

  it('an owner who opens the dashboard after visits nobody watched starts from figures that count them, then hears the next visit', async () => {
    const { owner, shop, code } = await shopWithLink();
    const phone = 'Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
    // Nobody is connected: these visits are counted, but no message goes to the empty room.
    for (let i = 0; i < 3; i += 1) await app.http.get(`/r/${code}`).set('User-Agent', phone).expect(302);

    const live = await ready(owner.accessToken, { shops: [shop.id] });
    let shown = EMPTY_LIVE_TOTALS;
    const clicks: LiveClickEvent[] = [];
    live.socket.onAny((event: string, payload: LiveStatsEvent & LiveClickEvent) => {
      if (event === 'stats') shown = applyLiveSnapshot(shown, payload);
      else if (event === 'click') {
        clicks.push(payload);
        shown = applyLivePart(shown, payload);
      }
    });
    // The snapshot sent on joining counts the three visits from before.
    await waitFor(() => shown.clicks === 3);
    expect(clicks).toEqual([]);
    await app.http.get(`/r/${code}`).set('User-Agent', phone).expect(302);
    await waitFor(() => clicks.length === 1);
    expect(clicks[0]).toMatchObject({ room: `shop:${shop.id}`, clicks: 1 });
    expect(shown.clicks).toBe(4);
  });

  it('stops a socket when its token expires, unless it re-authenticates first', async () => {
    const short = signAccessToken({ id: ownerA.user.id, role: 'owner' }, app.deps.config.jwtSecret, 2);
    const dropping = await ready(short, { shops: [shopA1] });
    const kept = await ready(signAccessToken({ id: ownerA.user.id, role: 'owner' }, app.deps.config.jwtSecret, 2), { shops: [shopA1] });
    const ack = await new Promise<{ ok: boolean }>((resolve) => kept.socket.emit('reauth', ownerA.accessToken, resolve));
    expect(ack.ok).toBe(true);
    const refusedAck = await new Promise<{ ok: boolean; error?: string }>((resolve) => kept.socket.emit('reauth', ownerB.accessToken, resolve));
    expect(refusedAck).toEqual({ ok: false, error: 'TOKEN_INVALID' });
    const disconnected = new Promise<string>((resolve) => dropping.socket.once('disconnect', resolve));
    const orders = collect(dropping.socket, 'order') as LiveOrderEvent[];
    const keptOrders = collect(kept.socket, 'order') as LiveOrderEvent[];
    expect(await disconnected).toBe('io server disconnect');
    app.deps.bus.emit('order', order(shopA1));
    await waitFor(() => keptOrders.length === 1);
    expect(orders).toEqual([]);
    expect(kept.socket.connected).toBe(true);
  });
});
