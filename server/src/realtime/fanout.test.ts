import crypto from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { applyLivePart, applyLiveSnapshot, applyStoredTotals, EMPTY_LIVE_TOTALS, type LiveDayTotals, type LiveOrderEvent, type LiveServerEvents } from '@tular/shared';
import { uriWithDatabase } from '../db/engine';
import { api, startTularProcess, type TularProcess } from '../hardening/processes';
import { bucketsFor } from '../rollups/buckets';

/**
 * Two real server processes (src/index.ts) on the same database and the real Redis at
 * 127.0.0.1:6379: an order taken by instance A over HTTP (a buyer's checkout) reaches the owner's
 * socket connected to instance B, through @socket.io/redis-adapter — and so does an order in a shop
 * the owner opened on A after that socket connected (rooms joined across instances). Clicks on both
 * instances add up on the owner's dashboard on either, once each, and never go backwards.
 */
jest.setTimeout(120_000);
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Client = Socket<LiveServerEvents>;
const servers: TularProcess[] = [];
const sockets: Client[] = [];
const BROWSER = 'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.kill('SIGKILL');
});

function live(base: string, token: string): Promise<{ socket: Client; rooms: string[] }> {
  const socket: Client = connect(base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('ready', ({ rooms }) => resolve({ socket, rooms }));
    socket.once('connect_error', reject);
  });
}

function ordersOn(socket: Client): LiveOrderEvent[] {
  const got: LiveOrderEvent[] = [];
  socket.on('order', (e) => got.push(e));
  return got;
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An owner's dashboard on one socket: its figures after every message, by the client's own merge rule. */
interface Dashboard {
  shown: LiveDayTotals;
  clicks: number[];
  snapshots: number;
}

function dashboard(base: string, token: string, initial: LiveDayTotals = EMPTY_LIVE_TOTALS): Dashboard {
  const d: Dashboard = { shown: initial, clicks: initial.room ? [initial.clicks] : [], snapshots: 0 };
  const socket: Client = connect(base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  socket.onAny((event: string, payload: Parameters<typeof applyLiveSnapshot>[1] & Parameters<typeof applyLivePart>[1]) => {
    if (event === "stats") {
      d.shown = applyLiveSnapshot(d.shown, payload);
      d.snapshots += 1;
    } else if (event === 'click') d.shown = applyLivePart(d.shown, payload);
    else return;
    d.clicks.push(d.shown.clicks);
  });
  return d;
}

const nonDecreasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);

describe('two server processes behind Redis', () => {
  let a: TularProcess;
  let b: TularProcess;
  const tag = crypto.randomBytes(4).toString('hex');
  const phone = (): string => `0812${String(crypto.randomInt(10_000_000, 99_999_999))}`;
  const register = async (role: 'owner' | 'reseller', name: string): Promise<{ token: string; id: string }> => {
    const res = await api(a.url, 'POST', '/auth/register', { name, email: `${name.toLowerCase()}.${tag}@example.id`, phone: phone(), password: 'rahasia-123', role, ...(role === 'reseller' ? { segment: 'buzzer' } : {}) });
    expect(res.status).toBe(201);
    const data = res.body.data as { accessToken: string; user: { id: string } };
    return { token: data.accessToken, id: data.user.id };
  };
  const openShop = async (owner: { token: string }, slug: string): Promise<{ shopId: string; productId: string }> => {
    const shop = await api(a.url, 'POST', '/shops', { name: 'Albar', slug: `${slug}-${tag}`, whatsapp: '081234567890' }, owner.token);
    expect(shop.status).toBe(201);
    const product = await api(a.url, 'POST', `/shops/${String(shop.body.data?.id)}/products`, { name: 'Keripik', price: 25_000, stock: 100 }, owner.token);
    expect(product.status).toBe(201);
    return { shopId: String(shop.body.data?.id), productId: String(product.body.data?.id) };
  };

  beforeAll(async () => {
    const base = process.env.TULAR_TEST_DB_URI;
    if (!base) throw new Error('TULAR_TEST_DB_URI is not set: run tests through jest with the globalSetup');
    const dbUri = uriWithDatabase(base, `fanout_${crypto.randomBytes(4).toString('hex')}`);
    [a, b] = await Promise.all([startTularProcess(dbUri, { REDIS_URL }), startTularProcess(dbUri, { REDIS_URL })]);
    servers.push(a, b);
  });

  it("clicks on both instances show on the owner's dashboard on either at once, each counted once, never going backwards — also after a reload", async () => {
    const owner = await register('owner', 'Dewi');
    const reseller = await register('reseller', 'Sari');
    const shop = await openShop(owner, 'dewi');
    expect((await api(a.url, 'POST', `/shops/${shop.shopId}/join`, undefined, reseller.token)).status).toBe(201);
    const code = String((await api(a.url, 'POST', '/links', { productId: shop.productId }, reseller.token)).body.data?.code);
    const onA = dashboard(a.url, owner.token);
    const onB = dashboard(b.url, owner.token);
    await waitFor(() => onA.snapshots > 0 && onB.snapshots > 0);

    // Clicks are counted (and may be announced) before their 302 arrives: bound the figures by requests sent.
    let sent = 0;
    const click = async (via: TularProcess): Promise<void> => {
      sent += 1;
      const res = await fetch(`${via.url}/r/${code}`, { redirect: 'manual', headers: { 'User-Agent': BROWSER } });
      expect(res.status).toBe(302);
    };
    const watched = [onA, onB];
    const over = (): number => Math.max(0, ...watched.flatMap((d) => d.clicks.map((c) => c - sent)));
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(Array.from({ length: 6 }, (_, i) => click(i % 2 ? a : b)));
      expect(over()).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(() => onA.shown.clicks === sent && onB.shown.clicks === sent);

    // A reload on A: the page reads the stats API (stored counters, maybe lagging), then its socket.
    const today = bucketsFor(new Date(), 'Asia/Jakarta')[1].period;
    const stats = await api(a.url, 'GET', `/shops/${shop.shopId}/stats?from=${today}&to=${today}&granularity=hour`, undefined, owner.token);
    expect(stats.status).toBe(200);
    const storedTotals = (stats.body.data as unknown as { totals: Parameters<typeof applyStoredTotals>[3] }).totals;
    expect(storedTotals.clicks).toBeLessThanOrEqual(sent);
    const reloaded = dashboard(a.url, owner.token, applyStoredTotals(EMPTY_LIVE_TOTALS, `shop:${shop.shopId}`, today, storedTotals));
    watched.push(reloaded);
    await waitFor(() => reloaded.shown.clicks === sent);

    // The next 5 s snapshots (stored counters of the other instance, own counters from memory) change nothing.
    const seen = watched.map((d) => d.snapshots);
    await waitFor(() => watched.every((d, i) => d.snapshots > seen[i]!), 15_000);
    for (const d of watched) {
      expect(d.shown.clicks).toBe(sent);
      expect(nonDecreasing(d.clicks) ? 'never backwards' : d.clicks.join(' ')).toBe('never backwards');
    }
    expect(over()).toBe(0);
  });

  it('a checkout on A reaches the owner (and the reseller) connected to B — also for a shop opened after connecting; nobody else', async () => {
    const owner = await register('owner', 'Albar');
    const stranger = await register('owner', 'Lain');
    const reseller = await register('reseller', 'Rina');
    const first = await openShop(owner, 'albar');
    expect((await api(a.url, 'POST', `/shops/${first.shopId}/join`, undefined, reseller.token)).status).toBe(201);
    const link = await api(a.url, 'POST', '/links', { productId: first.productId }, reseller.token);
    expect([200, 201]).toContain(link.status);

    // Everyone watches on B.
    const ownerOnB = await live(b.url, owner.token);
    expect(ownerOnB.rooms).toEqual([`shop:${first.shopId}`]);
    const resellerOnB = await live(b.url, reseller.token);
    const strangerOnB = await live(b.url, stranger.token);
    const ownerGot = ordersOn(ownerOnB.socket);
    const resellerGot = ordersOn(resellerOnB.socket);
    const strangerGot = ordersOn(strangerOnB.socket);

    // A buyer checks out on A, through the reseller's code.
    const buyer = { name: 'Siti', phone: '081298765432', address: 'Malang' };
    const order = await api(a.url, 'POST', '/checkout', { productId: first.productId, quantity: 2, buyer, ref: String(link.body.data?.code) });
    expect(order.status).toBe(201);
    const orderId = String(order.body.data?.id);
    await waitFor(() => ownerGot.some((e) => e.items.some((i) => i.orderId === orderId)) && resellerGot.some((e) => e.items.some((i) => i.orderId === orderId)));
    expect(ownerGot[0]).toMatchObject({ room: `shop:${first.shopId}`, items: [{ orderId, shopId: first.shopId, status: 'pending', total: 50_000, resellerId: reseller.id }] });
    expect(resellerGot[0]).toMatchObject({ room: `reseller:${reseller.id}`, items: [{ orderId }] });

    // A shop opened on A after the owner's socket connected to B: its orders reach that socket too.
    const second = await openShop(owner, 'albar-dua');
    const later = await api(a.url, 'POST', '/checkout', { productId: second.productId, quantity: 1, buyer });
    expect(later.status).toBe(201);
    const laterId = String(later.body.data?.id);
    await waitFor(() => ownerGot.some((e) => e.items.some((i) => i.orderId === laterId)));
    expect(ownerGot.find((e) => e.items.some((i) => i.orderId === laterId))).toMatchObject({ room: `shop:${second.shopId}` });

    await new Promise((r) => setTimeout(r, 500));
    expect(strangerGot).toEqual([]);
    expect(resellerGot.flatMap((e) => e.items).map((i) => i.orderId)).toEqual([orderId]);

    for (const s of sockets) s.disconnect();
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });
});
