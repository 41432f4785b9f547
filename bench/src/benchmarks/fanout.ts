import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { signAccessToken } from '../../../server/src/lib/accessTokens';
import { benchConfig, BROWSER_UA } from '../lib/config';
import { runLoad } from '../lib/load';
import { JWT_SECRET, type Child } from '../lib/procs';
import type { Seeded } from '../lib/seed';
import { percentile, printTable, printVerdict, round } from '../lib/stats';

export interface FanoutFigures {
  sockets: number;
  connected: number;
  probes: number;
  deliveries: number;
  expectedDeliveries: number;
  p50Ms: number;
  p99Ms: number;
  /** Redirect throughput of the background load while the sockets listened. */
  loadRps: number;
  met: boolean;
}

interface Pending {
  t0: number;
  got: Set<number>;
}

/**
 * 1,000 owner sockets spread over every shop; background redirect load on the load shops; every
 * 100 ms a probe click on one of the quiet probe shops (each probed about once a second, so
 * coalescing windows do not stack). Delay = probe sent → `click` event on each socket of that shop.
 */
export async function benchFanout(tular: Child, seeded: Seeded): Promise<FanoutFigures> {
  const allShops = seeded.shops;
  const probeShopIds = new Set(seeded.probes.map((p) => p.shop.shopId));
  const sockets: Array<{ socket: Socket; shopId: string }> = [];
  const socketsByShop = new Map<string, number>();
  const pending = new Map<string, Pending>();
  const delays: number[] = [];
  const connectErrors = new Map<string, number>();

  const tokens = new Map(allShops.map((s) => [s.ownerId, signAccessToken({ id: s.ownerId, role: 'owner' }, JWT_SECRET, 3600)]));
  const connect = (i: number): Promise<void> => {
    // Probe shops first so each has several listeners even with few sockets.
    const shop = i < seeded.probes.length * 3 ? seeded.probes[i % seeded.probes.length]!.shop : allShops[i % allShops.length]!;
    const token = tokens.get(shop.ownerId)!;
    const socket = io(tular.url, { transports: ['websocket'], auth: { token }, extraHeaders: { Authorization: `Bearer ${token}` }, reconnection: false, forceNew: true, timeout: 20_000 });
    const index = sockets.length;
    sockets.push({ socket, shopId: shop.shopId });
    socketsByShop.set(shop.shopId, (socketsByShop.get(shop.shopId) ?? 0) + 1);
    if (probeShopIds.has(shop.shopId)) {
      socket.on('click', () => {
        const p = pending.get(shop.shopId);
        if (!p || p.got.has(index)) return;
        p.got.add(index);
        delays.push(performance.now() - p.t0);
      });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (err) => {
        connectErrors.set(err.message, (connectErrors.get(err.message) ?? 0) + 1);
        clearTimeout(timer);
        resolve();
      });
    });
  };
  try {
    for (let i = 0; i < benchConfig.sockets; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, benchConfig.sockets - i) }, (_, k) => connect(i + k)));
    }
    const connected = sockets.filter((s) => s.socket.connected).length;
    process.stderr.write(`[bench] ${connected}/${benchConfig.sockets} sockets connected${connectErrors.size ? `; errors: ${JSON.stringify(Object.fromEntries(connectErrors))}` : ''}\n`);
    // Let room joins (an async lookup of the owner's shops) settle.
    await new Promise((r) => setTimeout(r, 1000));

    let probes = 0;
    let expectedDeliveries = 0;
    let stop = false;
    const probeLoop = (async () => {
      let k = 0;
      while (!stop) {
        const probe = seeded.probes[k % seeded.probes.length]!;
        k += 1;
        const listeners = sockets.filter((s) => s.shopId === probe.shop.shopId && s.socket.connected).length;
        pending.set(probe.shop.shopId, { t0: performance.now(), got: new Set() });
        probes += 1;
        expectedDeliveries += listeners;
        await fetch(`${tular.url}/r/${probe.code}`, { redirect: 'manual', headers: { 'User-Agent': BROWSER_UA }, signal: AbortSignal.timeout(5000) })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const duration = Math.max(benchConfig.duration * 2, 5);
    const load = await runLoad({
      url: tular.url,
      connections: benchConfig.connections,
      duration,
      headers: { 'User-Agent': BROWSER_UA, Accept: 'text/html' },
      paths: seeded.loadCodes.map((c) => `/r/${c}`),
    });
    stop = true;
    await probeLoop;
    // Late deliveries of the last probes still count.
    await new Promise((r) => setTimeout(r, 1500));

    const figures: FanoutFigures = {
      sockets: benchConfig.sockets,
      connected,
      probes,
      deliveries: delays.length,
      expectedDeliveries,
      p50Ms: round(percentile(delays, 50), 1),
      p99Ms: round(percentile(delays, 99), 1),
      loadRps: round(load.rps, 0),
      met: connected === benchConfig.sockets && delays.length > 0 && delays.length >= expectedDeliveries * 0.99 && percentile(delays, 99) <= 100,
    };
    printTable(
      `Live fan-out — ${connected}/${benchConfig.sockets} owner sockets over ${socketsByShop.size} shops, ${duration} s of redirect load`,
      ['measure', 'value'],
      [
        ['probe clicks', probes],
        ['click events received / expected', `${delays.length} / ${expectedDeliveries}`],
        ['click → event p50 (ms)', figures.p50Ms],
        ['click → event p99 (ms)', figures.p99Ms],
        ['redirect req/s meanwhile', figures.loadRps],
      ],
    );
    printVerdict('fan-out', [{ target: 'p99 ≤ 100 ms, every socket connected, ≥ 99% of events delivered', met: figures.met }]);
    return figures;
  } finally {
    for (const s of sockets) s.socket.disconnect();
  }
}
