import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';

/**
 * The fan-out benchmark's owner sockets and probe clicks, in a child process of their own (IPC with
 * the bench), started at a higher priority than the load generator: the background redirect load
 * (autocannon) runs in the bench process on the same core, and sharing its event loop — or queueing
 * behind it for the core — would add the generator's busy time to every measured delay, while a
 * browser watching a dashboard runs on another machine. Delay = probe sent → `click` event on each
 * socket of that shop, both timed here.
 */
export interface ClientsInput {
  url: string;
  userAgent: string;
  sockets: Array<{ token: string; shopId: string }>;
  probes: Array<{ shopId: string; code: string }>;
}

export type ToClients = { type: 'init'; input: ClientsInput } | { type: 'start' } | { type: 'stop' } | { type: 'close' };
export type FromClients =
  | { type: 'connected'; connected: number; errors: Record<string, number> }
  | { type: 'round'; probes: number; expectedDeliveries: number; delays: number[]; answers: number[]; legs: Legs }
  | { type: 'closed' };

interface Pending {
  t0: number;
  /** Wall clock at sending (the server stamps the click and the message with the same machine's clock). */
  wall0: number;
  got: Set<number>;
}

/**
 * Each delivery split by the server's own time stamps (same machine, ms): probe sent → click
 * counted (`lastAt`: request transit and the server's queue), click counted → message sent
 * (`sentAt`: coalescing and the live path), message sent → handler ran here (socket transport and
 * this thread waiting for the core).
 */
export interface Legs {
  toServer: number[];
  inServer: number[];
  toClient: number[];
}

let input!: ClientsInput;
const send = (m: FromClients): void => void process.send!(m);

let probeShops = new Set<string>();
const sockets: Array<{ socket: Socket; shopId: string }> = [];
const pending = new Map<string, Pending>();
const errors: Record<string, number> = {};
let delays: number[] = [];
let legs: Legs = { toServer: [], inServer: [], toClient: [] };
/** Probe sent → its 302 answered: the part of the delay spent before the server has even counted the click. */
let answers: number[] = [];

function connect(i: number): Promise<void> {
  const { token, shopId } = input.sockets[i]!;
  const socket = io(input.url, { transports: ['websocket'], auth: { token }, extraHeaders: { Authorization: `Bearer ${token}` }, reconnection: false, forceNew: true, timeout: 20_000 });
  sockets.push({ socket, shopId });
  if (probeShops.has(shopId)) {
    socket.on('click', (e: { lastAt: string; sentAt: string }) => {
      const p = pending.get(shopId);
      if (!p || p.got.has(i)) return;
      p.got.add(i);
      delays.push(performance.now() - p.t0);
      const at = Date.parse(e.lastAt);
      const sent = Date.parse(e.sentAt);
      legs.toServer.push(at - p.wall0);
      legs.inServer.push(sent - at);
      legs.toClient.push(Date.now() - sent);
    });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      errors[err.message] = (errors[err.message] ?? 0) + 1;
      clearTimeout(timer);
      resolve();
    });
  });
}

// One round: a probe click every 100 ms (each probe shop about once a second, so coalescing windows do not stack).
let stop = false;
let probeLoop: Promise<{ probes: number; expectedDeliveries: number }> | null = null;
async function probe(): Promise<{ probes: number; expectedDeliveries: number }> {
  let probes = 0;
  let expectedDeliveries = 0;
  for (let k = 0; !stop; k += 1) {
    const p = input.probes[k % input.probes.length]!;
    const listeners = sockets.filter((s) => s.shopId === p.shopId && s.socket.connected).length;
    const t0 = performance.now();
    pending.set(p.shopId, { t0, wall0: Date.now(), got: new Set() });
    probes += 1;
    expectedDeliveries += listeners;
    await fetch(`${input.url}/r/${p.code}`, { redirect: 'manual', headers: { 'User-Agent': input.userAgent }, signal: AbortSignal.timeout(5000) })
      .then((r) => r.arrayBuffer())
      .then(() => void answers.push(performance.now() - t0))
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { probes, expectedDeliveries };
}

process.on('message', (m: ToClients) => {
  void (async () => {
    if (m.type === 'init') {
      input = m.input;
      probeShops = new Set(input.probes.map((p) => p.shopId));
      await connectAll();
    } else if (m.type === 'start') {
      delays = [];
      answers = [];
      legs = { toServer: [], inServer: [], toClient: [] };
      pending.clear();
      stop = false;
      probeLoop = probe();
    } else if (m.type === 'stop') {
      stop = true;
      const counts = await probeLoop!;
      // Late deliveries get 1.5 s.
      await new Promise((r) => setTimeout(r, 1500));
      send({ type: 'round', ...counts, delays, answers, legs });
    } else {
      for (const s of sockets) s.socket.disconnect();
      send({ type: 'closed' });
      process.disconnect?.();
    }
  })();
});

async function connectAll(): Promise<void> {
  for (let i = 0; i < input.sockets.length; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, input.sockets.length - i) }, (_, k) => connect(i + k)));
  }
  send({ type: 'connected', connected: sockets.filter((s) => s.socket.connected).length, errors });
}
