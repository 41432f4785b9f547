import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import type { LiveOrderEvent, LiveServerEvents } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../test/harness';
import { buildOwner, buildShop } from '../../test/factories';

useTestDatabase();

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two server instances on the same database and the real Redis: an order taken by instance A
 * reaches an owner whose socket is connected to instance B (through @socket.io/redis-adapter).
 */
describe('two instances behind Redis', () => {
  const instances: TestApp[] = [];
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(instances.map((i) => i.close(100)));
    // The lifecycle also stops the link cache's own Redis client and the buffers.
    await Promise.all(instances.map((i) => i.deps.lifecycle.shutdown()));
  });

  async function start(): Promise<{ app: TestApp; url: string }> {
    const app = buildTestApp({ redisUrl: REDIS_URL });
    instances.push(app);
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    await app.realtime.ready;
    return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  }

  it('an order emitted on A reaches the owner socket connected to B, and only that shop', async () => {
    const a = await start();
    const b = await start();
    const owner = await buildOwner(a.app);
    const other = await buildOwner(a.app);
    const shop = await buildShop(a.app, owner);
    const otherShop = await buildShop(a.app, other);

    const onB: Socket<LiveServerEvents> = connect(b.url, { auth: { token: owner.accessToken }, transports: ['websocket'], reconnection: false, forceNew: true });
    const otherOnB: Socket<LiveServerEvents> = connect(b.url, { auth: { token: other.accessToken }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(onB, otherOnB);
    await Promise.all([onB, otherOnB].map((s) => new Promise((resolve) => s.once('ready', resolve))));

    const received = new Promise<LiveOrderEvent>((resolve) => onB.once('order', resolve));
    const leaked: LiveOrderEvent[] = [];
    otherOnB.on('order', (e) => leaked.push(e));
    a.app.deps.bus.emit('order', {
      orderId: 'f'.repeat(24),
      shopId: shop.id,
      productId: 'e'.repeat(24),
      status: 'paid',
      previousStatus: 'pending',
      quantity: 3,
      total: 75_000,
      at: new Date(),
    });
    const event = await received;
    expect(event).toMatchObject({ room: `shop:${shop.id}`, count: 1, items: [{ orderId: 'f'.repeat(24), status: 'paid', total: 75_000 }] });
    // The other owner's shop gets its own order; the first one never leaked to them.
    const theirs = new Promise<LiveOrderEvent>((resolve) => otherOnB.once('order', resolve));
    a.app.deps.bus.emit('order', { orderId: 'd'.repeat(24), shopId: otherShop.id, productId: 'e'.repeat(24), status: 'pending', quantity: 1, total: 25_000, at: new Date() });
    expect((await theirs).room).toBe(`shop:${otherShop.id}`);
    expect(leaked.map((e) => e.room)).toEqual([`shop:${otherShop.id}`]);
  });
});
