import crypto from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { LiveOrderEvent, LiveServerEvents } from '@tular/shared';
import { uriWithDatabase } from '../db/engine';
import { api, startTularProcess, type TularProcess } from '../hardening/processes';

/**
 * Two real server processes (src/index.ts) on the same database and the real Redis at
 * 127.0.0.1:6379: an order taken by instance A over HTTP (a buyer's checkout) reaches the owner's
 * socket connected to instance B, through @socket.io/redis-adapter — and so does an order in a shop
 * the owner opened on A after that socket connected (rooms joined across instances).
 */
jest.setTimeout(120_000);
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Client = Socket<LiveServerEvents>;
const servers: TularProcess[] = [];
const sockets: Client[] = [];

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

describe('two server processes behind Redis', () => {
  it('a checkout on A reaches the owner (and the reseller) connected to B — also for a shop opened after connecting; nobody else', async () => {
    const base = process.env.TULAR_TEST_DB_URI;
    if (!base) throw new Error('TULAR_TEST_DB_URI is not set: run tests through jest with the globalSetup');
    const dbUri = uriWithDatabase(base, `fanout_${crypto.randomBytes(4).toString('hex')}`);
    const [a, b] = await Promise.all([startTularProcess(dbUri, { REDIS_URL }), startTularProcess(dbUri, { REDIS_URL })]);
    servers.push(a, b);

    const tag = crypto.randomBytes(4).toString('hex');
    const phone = (): string => `0812${String(crypto.randomInt(10_000_000, 99_999_999))}`;
    const register = async (role: 'owner' | 'reseller', name: string): Promise<{ token: string; id: string }> => {
      const res = await api(a.url, 'POST', '/auth/register', { name, email: `${name.toLowerCase()}.${tag}@example.id`, phone: phone(), password: 'rahasia-123', role, ...(role === 'reseller' ? { segment: 'buzzer' } : {}) });
      expect(res.status).toBe(201);
      const data = res.body.data as { accessToken: string; user: { id: string } };
      return { token: data.accessToken, id: data.user.id };
    };
    const owner = await register('owner', 'Albar');
    const stranger = await register('owner', 'Lain');
    const reseller = await register('reseller', 'Rina');
    const openShop = async (slug: string): Promise<{ shopId: string; productId: string }> => {
      const shop = await api(a.url, 'POST', '/shops', { name: 'Albar', slug: `${slug}-${tag}`, whatsapp: '081234567890' }, owner.token);
      expect(shop.status).toBe(201);
      const product = await api(a.url, 'POST', `/shops/${String(shop.body.data?.id)}/products`, { name: 'Keripik', price: 25_000, stock: 100 }, owner.token);
      expect(product.status).toBe(201);
      return { shopId: String(shop.body.data?.id), productId: String(product.body.data?.id) };
    };
    const first = await openShop('albar');
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
    const second = await openShop('albar-dua');
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
