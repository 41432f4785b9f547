import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Types } from 'mongoose';
import { benchConfig } from '../lib/config';
import { runLoad, type LoadResult } from '../lib/load';
import type { Child } from '../lib/procs';
import { db, type Seeded } from '../lib/seed';
import { median, printTable, printVerdict, round } from '../lib/stats';
import { backfillLinkCodes } from '../../../server/src/commands/links/linkByCode';
import { backfillMemberships } from '../../../server/src/commands/memberships/membershipOf';

export interface CheckoutFigures {
  rawInsertsPerSec: number;
  checkoutsPerSec: number;
  ratio: number;
  checkoutP99Ms: number;
  created: number;
  refusedSoldOut: number;
  otherStatuses: Record<string, number>;
  attributed: number;
  oversoldUnits: number;
  stockMismatches: number;
  duplicateLedgerEntries: number;
  /** Median CPU time per created order in the server and in the database process (where /proc has it). */
  serverCpuMsPerCheckout: number;
  databaseCpuMsPerCheckout: number;
  met: boolean;
}

const SCARCE_STOCK = 25;

function orderDoc(i: number): Record<string, unknown> {
  return {
    shopId: new Types.ObjectId(),
    productId: new Types.ObjectId(),
    productName: 'Keripik Tempe Pedas 250 g',
    quantity: 1,
    unitPrice: 25_000,
    total: 25_000,
    buyer: { name: 'Siti Pembeli', phone: '+6281234567890', address: 'Jl. Soekarno-Hatta No. 9, Malang' },
    status: 'pending',
    source: 'checkout',
    attribution: { resellerId: new Types.ObjectId(), linkId: new Types.ObjectId(), code: 'abcdefgh', via: 'code', segment: 'follower', channel: 'whatsapp' },
    flags: { selfReferral: false },
    commission: 1750,
    reviewToken: `rt-${i}-${Math.random().toString(36).slice(2)}`,
    dedupeKey: `bench-${i}-${Math.random().toString(36).slice(2)}`,
    statusHistory: [{ status: 'pending', at: new Date(), by: null }],
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

/** CPU seconds all threads of a process have run so far (/proc/<pid>/task/<tid>/schedstat, ns); null off Linux. */
function threadCpuSeconds(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch {
    return null;
  }
}

/** The FerretDB process serving the seeder's connection (found by its listen address). */
function databasePid(): number | null {
  const port = db().client.options.hosts[0]?.port;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('ferretdb') && cmd.includes(`--listen-addr=127.0.0.1:${port}\0`)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Runs `fn` and says how busy each process was meanwhile (% of one core). */
async function busy<T>(pids: Array<number | null | undefined>, fn: () => Promise<T>): Promise<{ value: T; percent: Array<number | null>; seconds: number }> {
  const before = pids.map(threadCpuSeconds);
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const percent = pids.map((pid, i) => {
    const a = before[i];
    const b = threadCpuSeconds(pid);
    return a === null || a === undefined || b === null ? null : (100 * (b - a)) / seconds;
  });
  return { value, percent, seconds };
}

/** The baseline: `insertOne` of an order-sized document, `concurrency` in flight, for `seconds`. */
async function rawInserts(concurrency: number, seconds: number): Promise<number> {
  const coll = db().collection('bench_raw_orders');
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await coll.insertOne(orderDoc(done));
        done += 1;
      }
    }),
  );
  return done / seconds;
}

async function productStocks(): Promise<Map<string, number>> {
  const products = await db().collection('products').find({}, { projection: { stock: 1 } }).toArray();
  return new Map(products.map((p) => [String(p._id), Number(p.stock)]));
}

/**
 * Concurrent public checkouts with a referral code (stock reservation, order, ledger, rollups,
 * live emit) against raw inserts, then the money checks: no product below zero, stock taken equals
 * units ordered, and no order with two entries of the same kind for the same role.
 */
export async function benchCheckout(tular: Child, seeded: Seeded): Promise<CheckoutFigures> {
  // The seed bulk-inserts links and memberships past the commands that point at them by `_id`:
  // what `npm run lookups:rebuild` does for a deployment whose data predates the pointers.
  await backfillLinkCodes();
  await backfillMemberships();
  // One scarce product that every tenth checkout asks for: it must sell out, never oversell.
  const scarce = seeded.probes[0]!.shop;
  await db().collection('products').updateOne({ _id: new Types.ObjectId(scarce.productId) }, { $set: { stock: SCARCE_STOCK } });
  const before = await productStocks();
  const shopCount = benchConfig.shops;
  const requests = seeded.loadCodes.map((code, i) => {
    const shop = seeded.shops[i % shopCount]!;
    return { code, productId: shop.productId };
  });
  const body = (n: number): string => {
    const scarceTurn = n % 10 === 9;
    const r = requests[n % requests.length]!;
    return JSON.stringify({
      productId: scarceTurn ? scarce.productId : r.productId,
      quantity: 1 + (n % 2),
      buyer: { name: 'Siti Pembeli', phone: `0812${String(10_000_000 + (n % 89_999_999)).slice(0, 8)}`, address: 'Jl. Soekarno-Hatta No. 9, Malang' },
      ...(scarceTurn ? {} : { ref: r.code }),
    });
  };
  const common = {
    url: tular.url,
    connections: benchConfig.checkoutConcurrency,
    method: 'POST' as const,
    headers: { 'Content-Type': 'application/json' },
    paths: ['/api/v1/checkout'],
    body,
    // Buyers come from many addresses (the server trusts the proxy header in the bench): the per-IP limit is not what is measured.
    headersFor: (n: number) => ({ 'X-Forwarded-For': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }),
  };
  const statuses: Record<string, number> = {};
  if (benchConfig.warmup > 0) {
    await runLoad({ ...common, duration: benchConfig.warmup });
    await rawInserts(benchConfig.checkoutConcurrency, benchConfig.warmup);
  }
  const raw: number[] = [];
  const http: LoadResult[] = [];
  const pids = [tular.proc.pid, databasePid()];
  const cpu = { rawDb: [] as number[], server: [] as number[], db: [] as number[], serverMs: [] as number[], dbMs: [] as number[] };
  for (let r = 0; r < benchConfig.rounds; r += 1) {
    const base = await busy(pids, () => rawInserts(benchConfig.checkoutConcurrency, benchConfig.duration));
    raw.push(base.value);
    if (base.percent[1] != null) cpu.rawDb.push(base.percent[1]);
    const load = await busy(pids, () => runLoad({ ...common, duration: benchConfig.duration }));
    http.push(load.value);
    const made = load.value.statusCodes['201'] ?? 0;
    const [server, database] = load.percent;
    if (server != null) cpu.server.push(server);
    if (database != null) cpu.db.push(database);
    if (server != null && made > 0) cpu.serverMs.push((10 * server * load.seconds) / made);
    if (database != null && made > 0) cpu.dbMs.push((10 * database * load.seconds) / made);
  }
  for (const r of http) for (const [code, n] of Object.entries(r.statusCodes)) statuses[code] = (statuses[code] ?? 0) + n;

  // Money checks over every order the server stored (warm-up included), once requests the
  // generator dropped in flight at the end of a round have finished on the server.
  let stored = -1;
  for (let i = 0; i < 30; i += 1) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await db().collection('orders').countDocuments({ source: 'checkout' });
    if (now === stored) break;
    stored = now;
  }
  const after = await productStocks();
  const orders = await db()
    .collection('orders')
    .find({ source: 'checkout' }, { projection: { productId: 1, quantity: 1, status: 1, attribution: 1 } })
    .toArray();
  const units = new Map<string, number>();
  for (const o of orders) if (o.status !== 'cancelled' && o.status !== 'refunded') units.set(String(o.productId), (units.get(String(o.productId)) ?? 0) + Number(o.quantity));
  let oversoldUnits = 0;
  let stockMismatches = 0;
  for (const [id, initial] of before) {
    const sold = units.get(id) ?? 0;
    const left = after.get(id) ?? initial;
    if (sold > initial) oversoldUnits += sold - initial;
    if (left < 0) oversoldUnits += -left;
    if (initial - left !== sold) stockMismatches += 1;
  }
  const entries = await db().collection('ledgerentries').find({}, { projection: { orderId: 1, role: 1, kind: 1, idempotencyKey: 1 } }).toArray();
  const seen = new Set<string>();
  const keys = new Set<string>();
  let duplicateLedgerEntries = 0;
  for (const e of entries) {
    const k = `${String(e.orderId)}:${String(e.role)}:${String(e.kind)}`;
    if (seen.has(k) || keys.has(String(e.idempotencyKey))) duplicateLedgerEntries += 1;
    seen.add(k);
    keys.add(String(e.idempotencyKey));
  }

  const rawRate = median(raw);
  const httpRate = median(http.map((r) => (r.statusCodes['201'] ?? 0) / benchConfig.duration));
  const p99 = median(http.map((r) => r.p99));
  const created = statuses['201'] ?? 0;
  const refusedSoldOut = statuses['409'] ?? 0;
  const otherStatuses = Object.fromEntries(Object.entries(statuses).filter(([c]) => c !== '201' && c !== '409'));
  const figures: CheckoutFigures = {
    rawInsertsPerSec: round(rawRate, 0),
    checkoutsPerSec: round(httpRate, 0),
    ratio: round(httpRate / rawRate, 3),
    checkoutP99Ms: p99,
    created,
    refusedSoldOut,
    otherStatuses,
    attributed: orders.filter((o) => o.attribution).length,
    oversoldUnits,
    stockMismatches,
    duplicateLedgerEntries,
    serverCpuMsPerCheckout: round(median(cpu.serverMs), 2),
    databaseCpuMsPerCheckout: round(median(cpu.dbMs), 2),
    met: httpRate / rawRate >= 0.25 && oversoldUnits === 0 && stockMismatches === 0 && duplicateLedgerEntries === 0 && created > 0,
  };
  printTable(
    `Checkout — ${benchConfig.checkoutConcurrency} concurrent, ${benchConfig.rounds} × ${benchConfig.duration} s (medians)`,
    ['measure', 'value'],
    [
      ['raw insertOne of an order-sized doc (docs/s)', figures.rawInsertsPerSec],
      ['POST /checkout with a referral code, 201s/s', figures.checkoutsPerSec],
      ['ratio checkout / raw insert', figures.ratio],
      ['checkout p99 (ms)', p99],
      ['busy % of a core during checkout: server / database', `${round(median(cpu.server), 0)} / ${round(median(cpu.db), 0)}`],
      ['CPU ms per checkout: server / database', `${figures.serverCpuMsPerCheckout} / ${figures.databaseCpuMsPerCheckout}`],
      ['database busy % during raw inserts', round(median(cpu.rawDb), 0)],
      ['orders created (measured rounds) / 409 sold out', `${created} / ${refusedSoldOut}`],
      ['other statuses', JSON.stringify(otherStatuses)],
      ['orders stored with attribution / all', `${figures.attributed} / ${orders.length}`],
      ['oversold units / stock mismatches', `${oversoldUnits} / ${stockMismatches}`],
      ['duplicate ledger entries', duplicateLedgerEntries],
    ],
  );
  printVerdict('checkout', [{ target: '≥ 25% of raw insertOne, 0 oversold, 0 duplicate ledger entries', met: figures.met }]);
  return figures;
}
