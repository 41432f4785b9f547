import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { signAccessToken } from '../../../server/src/lib/accessTokens';
import { benchConfig, BROWSER_UA } from '../lib/config';
import { runLoad } from '../lib/load';
import { JWT_SECRET, type Child } from '../lib/procs';
import type { Seeded } from '../lib/seed';
import { median, percentile, printTable, printVerdict, round } from '../lib/stats';
import type { ClientsInput, FromClients, ToClients } from './fanoutClients';

const round1 = (n: number): number => round(n, 1);

export interface FanoutRound {
  probes: number;
  deliveries: number;
  expectedDeliveries: number;
  p50Ms: number;
  p99Ms: number;
  /** The probe clicks' own redirect (sent → 302 answered), p50/p99: the share of the delay before the click is even counted. */
  answerP50Ms: number;
  answerP99Ms: number;
  /** p99 of each leg of a delivery, by the server's time stamps (see fanoutClients.ts Legs). */
  legsP99Ms: { toServer: number; inServer: number; toClient: number };
  /** Redirect req/s of the background load during the round (0 in a quiet round), and its own p99 (generator's view). */
  loadRps: number;
  loadP99Ms: number;
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

/** Next message of a type from the clients' process. */
function next<T extends FromClients['type']>(clients: ChildProcess, type: T): Promise<Extract<FromClients, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`the fan-out clients exited (${code})`));
    const onMessage = (m: FromClients): void => {
      if (m.type !== type) return;
      clients.off('message', onMessage);
      clients.off('exit', onExit);
      resolve(m as Extract<FromClients, { type: T }>);
    };
    clients.on('message', onMessage);
    clients.once('exit', onExit);
  });
}

/** How much more priority the clients' process gets than the bench (and its load generator): `nice` steps, root only. */
const CLIENTS_NICE = process.getuid?.() === 0 ? -10 : 0;

/**
 * 1,000 owner sockets spread over every shop; every 100 ms a probe click on one of the quiet probe
 * shops (each probed about once a second, so coalescing windows do not stack). Delay = probe sent →
 * `click` event on each socket of that shop. The sockets and probes live in a process of their own
 * (fanoutClients.ts), apart from the load generator's event loop and ahead of it for the core. A warm-up round, then ≥ 3 rounds
 * each of a quiet server (the baseline) and of the same probes under background redirect load on the
 * load shops; medians.
 */
export async function benchFanout(tular: Child, seeded: Seeded): Promise<FanoutFigures> {
  const allShops = seeded.shops;
  const tokens = new Map(allShops.map((s) => [s.ownerId, signAccessToken({ id: s.ownerId, role: 'owner' }, JWT_SECRET, 3600)]));
  // Probe shops first so each has several listeners even with few sockets.
  const socketShops = Array.from({ length: benchConfig.sockets }, (_, i) => (i < seeded.probes.length * 3 ? seeded.probes[i % seeded.probes.length]!.shop : allShops[i % allShops.length]!));
  const socketsByShop = new Map<string, number>();
  for (const shop of socketShops) socketsByShop.set(shop.shopId, (socketsByShop.get(shop.shopId) ?? 0) + 1);
  const input: ClientsInput = {
    url: tular.url,
    userAgent: BROWSER_UA,
    sockets: socketShops.map((shop) => ({ token: tokens.get(shop.ownerId)!, shopId: shop.shopId })),
    probes: seeded.probes.map((p) => ({ shopId: p.shop.shopId, code: p.code })),
  };
  // Same core as the bench (affinity is inherited), higher priority within the bench's session.
  const node = [process.execPath, '--import', 'tsx', path.join(__dirname, 'fanoutClients.ts')];
  const clients = spawn(CLIENTS_NICE ? 'nice' : node[0]!, CLIENTS_NICE ? ['-n', String(CLIENTS_NICE), ...node] : node.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const tell = (m: ToClients): void => void clients.send(m);
  try {
    const connecting = next(clients, 'connected');
    tell({ type: 'init', input });
    const { connected, errors } = await connecting;
    process.stderr.write(`[bench] fan-out clients: separate process${CLIENTS_NICE ? ` at nice ${CLIENTS_NICE} (the bench and its load generator at 0)` : ''}\n`);
    const errorCount = Object.keys(errors).length;
    process.stderr.write(`[bench] ${connected}/${benchConfig.sockets} sockets connected${errorCount ? `; errors: ${JSON.stringify(errors)}` : ''}\n`);
    if (connected < benchConfig.sockets) process.stderr.write(`[bench] server log tail:\n${tular.output().slice(-2000)}\n`);
    // Let room joins (an async lookup of the owner's shops) settle.
    await new Promise((r) => setTimeout(r, 1000));

    // One round of probes for `seconds`, with or without redirect load on the load shops.
    const round = async (seconds: number, withLoad: boolean): Promise<FanoutRound> => {
      tell({ type: 'start' });
      let loadRps = 0;
      let loadP99Ms = 0;
      if (withLoad) {
        const load = await runLoad({
          url: tular.url,
          connections: benchConfig.connections,
          duration: seconds,
          headers: { 'User-Agent': BROWSER_UA, Accept: 'text/html' },
          paths: seeded.loadCodes.map((c) => `/r/${c}`),
        });
        loadRps = load.rps;
        loadP99Ms = load.p99;
      } else {
        await new Promise((r) => setTimeout(r, seconds * 1000));
      }
      const done = next(clients, 'round');
      tell({ type: 'stop' });
      const { probes, expectedDeliveries, delays, answers, legs } = await done;
      return {
        probes,
        deliveries: delays.length,
        expectedDeliveries,
        p50Ms: round1(percentile(delays, 50)),
        p99Ms: round1(percentile(delays, 99)),
        answerP50Ms: round1(percentile(answers, 50)),
        answerP99Ms: round1(percentile(answers, 99)),
        legsP99Ms: { toServer: round1(percentile(legs.toServer, 99)), inServer: round1(percentile(legs.inServer, 99)), toClient: round1(percentile(legs.toClient, 99)) },
        loadRps: Math.round(loadRps),
        loadP99Ms: round1(loadP99Ms),
      };
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
        ['probe redirect answered p50 / p99 (ms)', `${median(quiet.map((r) => r.answerP50Ms))} / ${median(quiet.map((r) => r.answerP99Ms))}`, `${median(loaded.map((r) => r.answerP50Ms))} / ${median(loaded.map((r) => r.answerP99Ms))}`, loaded.map((r) => `${r.answerP50Ms}/${r.answerP99Ms}`).join(' ; ')],
        ...(['toServer', 'inServer', 'toClient'] as const).map((leg) => [
          `p99 ${{ toServer: 'probe sent → click counted', inServer: 'counted → message sent', toClient: 'message sent → socket handler' }[leg]} (ms)`,
          median(quiet.map((r) => r.legsP99Ms[leg])),
          median(loaded.map((r) => r.legsP99Ms[leg])),
          loaded.map((r) => r.legsP99Ms[leg]).join(' / '),
        ]),
        ['redirect req/s meanwhile', 0, figures.loadRps, fmt(loaded, 'loadRps')],
        ['load redirects p99 (ms, generator)', '—', median(loaded.map((r) => r.loadP99Ms)), fmt(loaded, 'loadP99Ms')],
      ],
    );
    printVerdict('fan-out', [{ target: 'p99 ≤ 100 ms under redirect load, every socket connected, ≥ 99% of events delivered', met: figures.met }]);
    return figures;
  } finally {
    const closed = next(clients, 'closed').catch(() => undefined);
    tell({ type: 'close' });
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    if (clients.exitCode === null) clients.kill('SIGKILL');
  }
}
