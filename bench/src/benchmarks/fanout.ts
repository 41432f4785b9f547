import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { signAccessToken } from '../../../server/src/lib/accessTokens';
import { benchConfig, BROWSER_UA } from '../lib/config';
import { runLoad } from '../lib/load';
import { JWT_SECRET, type Child } from '../lib/procs';
import type { Seeded } from '../lib/seed';
import { median, percentile, printTable, printVerdict, round } from '../lib/stats';

const round1 = (n: number): number => round(n, 1);

export interface FanoutRound {
  probes: number;
  deliveries: number;
  expectedDeliveries: number;
  p50Ms: number;
  p99Ms: number;
  /** Redirect req/s of the background load during the round (0 in a quiet round). */
  loadRps: number;
}

export interface FanoutFigures {
  sockets: number;
  connected: number;
  /** Medians over the rounds with redirect load. */
  p50Ms: number;
  p99Ms: number;
  /** Baseline: the same probes on a quiet server (no redirect load), medians. */
  quietP50Ms: number;
  quietP99Ms: number;
  deliveries: number;
  expectedDeliveries: number;
  /** Median redirect throughput of the background load while the sockets listened. */
  loadRps: number;
  loaded: FanoutRound[];
  quiet: FanoutRound[];
  met: boolean;
}

interface Pending {
  t0: number;
  got: Set<number>;
}

/**
 * 1,000 owner sockets spread over every shop; every 100 ms a probe click on one of the quiet probe
 * shops (each probed about once a second, so coalescing windows do not stack). Delay = probe sent →
 * `click` event on each socket of that shop. A warm-up round, then ≥ 3 rounds each of a quiet server
 * (the baseline) and of the same probes under background redirect load on the load shops; medians.
 */
export async function benchFanout(tular: Child, seeded: Seeded): Promise<FanoutFigures> {
  const allShops = seeded.shops;
  const probeShopIds = new Set(seeded.probes.map((p) => p.shop.shopId));
  const sockets: Array<{ socket: Socket; shopId: string }> = [];
  const socketsByShop = new Map<string, number>();
  const pending = new Map<string, Pending>();
  let current: number[] = [];
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
        current.push(performance.now() - p.t0);
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
    if (connected < benchConfig.sockets) process.stderr.write(`[bench] server log tail:\n${tular.output().slice(-2000)}\n`);
    // Let room joins (an async lookup of the owner's shops) settle.
    await new Promise((r) => setTimeout(r, 1000));

    // One round: a probe click every 100 ms (each probe shop about once a second) for `seconds`,
    // with or without redirect load on the load shops; late deliveries get 1.5 s.
    const round = async (seconds: number, withLoad: boolean): Promise<FanoutRound> => {
      const delays: number[] = [];
      current = delays;
      pending.clear();
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
      let loadRps = 0;
      if (withLoad) {
        const load = await runLoad({
          url: tular.url,
          connections: benchConfig.connections,
          duration: seconds,
          headers: { 'User-Agent': BROWSER_UA, Accept: 'text/html' },
          paths: seeded.loadCodes.map((c) => `/r/${c}`),
        });
        loadRps = load.rps;
      } else {
        await new Promise((r) => setTimeout(r, seconds * 1000));
      }
      stop = true;
      await probeLoop;
      await new Promise((r) => setTimeout(r, 1500));
      return { probes, deliveries: delays.length, expectedDeliveries, p50Ms: round1(percentile(delays, 50)), p99Ms: round1(percentile(delays, 99)), loadRps: Math.round(loadRps) };
    };

    const seconds = Math.max(benchConfig.duration, 3);
    if (benchConfig.warmup > 0) {
      process.stderr.write('[bench] fan-out: warm-up\n');
      await round(Math.max(benchConfig.warmup, 2), true);
    }
    const quiet: FanoutRound[] = [];
    const loaded: FanoutRound[] = [];
    for (let r = 0; r < benchConfig.rounds; r += 1) {
      // Quiet (baseline) first: the loaded round leaves a backlog the server absorbs for a while.
      process.stderr.write(`[bench] fan-out: round ${r + 1}/${benchConfig.rounds} quiet, then under redirect load\n`);
      quiet.push(await round(seconds, false));
      loaded.push(await round(seconds, true));
    }
    const sum = (rs: FanoutRound[], k: 'deliveries' | 'expectedDeliveries'): number => rs.reduce((n, r) => n + r[k], 0);
    const deliveries = sum(loaded, 'deliveries');
    const expectedDeliveries = sum(loaded, 'expectedDeliveries');
    const p99 = median(loaded.map((r) => r.p99Ms));
    const figures: FanoutFigures = {
      sockets: benchConfig.sockets,
      connected,
      p50Ms: round1(median(loaded.map((r) => r.p50Ms))),
      p99Ms: round1(p99),
      quietP50Ms: round1(median(quiet.map((r) => r.p50Ms))),
      quietP99Ms: round1(median(quiet.map((r) => r.p99Ms))),
      deliveries,
      expectedDeliveries,
      loadRps: Math.round(median(loaded.map((r) => r.loadRps))),
      loaded,
      quiet,
      met: connected === benchConfig.sockets && deliveries > 0 && deliveries >= expectedDeliveries * 0.99 && loaded.every((r) => r.deliveries > 0) && p99 <= 100,
    };
    const fmt = (rs: FanoutRound[], k: keyof FanoutRound): string => rs.map((r) => String(r[k])).join(' / ');
    printTable(
      `Live fan-out — ${connected}/${benchConfig.sockets} owner sockets over ${socketsByShop.size} shops, ${benchConfig.rounds} × ${seconds} s per side (medians)`,
      ['measure', 'quiet server (baseline)', 'under redirect load', 'loaded rounds'],
      [
        ['probe clicks', quiet.reduce((n, r) => n + r.probes, 0), loaded.reduce((n, r) => n + r.probes, 0), fmt(loaded, 'probes')],
        ['click events received / expected', `${sum(quiet, 'deliveries')} / ${sum(quiet, 'expectedDeliveries')}`, `${deliveries} / ${expectedDeliveries}`, fmt(loaded, 'deliveries')],
        ['click → event p50 (ms)', figures.quietP50Ms, figures.p50Ms, fmt(loaded, 'p50Ms')],
        ['click → event p99 (ms)', figures.quietP99Ms, figures.p99Ms, fmt(loaded, 'p99Ms')],
        ['redirect req/s meanwhile', 0, figures.loadRps, fmt(loaded, 'loadRps')],
      ],
    );
    printVerdict('fan-out', [{ target: 'p99 ≤ 100 ms under redirect load, every socket connected, ≥ 99% of events delivered', met: figures.met }]);
    return figures;
  } finally {
    for (const s of sockets) s.socket.disconnect();
  }
}
