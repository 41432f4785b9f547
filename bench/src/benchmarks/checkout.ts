import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Types } from 'mongoose';
import { benchConfig } from '../lib/config';
import { runLoad, type LoadResult } from '../lib/load';
import { benchDatabase, type Child } from '../lib/procs';
import { db, type Seeded } from '../lib/seed';
import { median, printTable, printVerdict, round } from '../lib/stats';
import { backfillLinkCodes } from '../../../server/src/commands/links/linkByCode';
import { backfillMemberships } from '../../../server/src/commands/memberships/membershipOf';
import { updateByIdIf, type ByIdWritable } from '../../../server/src/db/guardedUpdate';
import { withWriteLock, writesAreSerialized } from '../../../server/src/db/writeLock';

export interface CheckoutFigures {
  rawInsertsPerSec: number;
  checkoutsPerSec: number;
  ratio: number;
  /** The statements no checkout can skip (stock guard as the server runs it on this engine, order insert, ledger insert), per second. */
  floorPerSec: number;
  /** floor / raw insert: the best ratio a checkout that keeps stock exact and books commission one statement at a time could reach on this engine. */
  floorRatio: number;
  /** Statements in one floor checkout on this engine (4 + 2 under FerretDB's write lock, 1 + 2 on MongoDB). */
  floorStatements: number;
  /** What one command by `_id` costs on this engine, in raw inserts (raw insert rate / its rate, same concurrency). */
  commandCost: { read: number; update: number };
  /**
   * The engine's ceiling: 1 / the cost, in raw inserts, of the commands no checkout with attribution
   * can skip — current reads of the product, the link and the member, the stock update, the order
   * and ledger inserts — with no lock, no HTTP, no ODM. A checkout cannot be faster than this here.
   */
  ceilingRatio: number;
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
  /**
   * Commands the database received per created order during the checkout rounds, by command name —
   * an update or insert command of several statements (rollup chunks) counts once. 409s included.
   */
  databaseCommandsPerCheckout: Record<string, number>;
  met: boolean;
}

const SCARCE_STOCK = 25;

function orderDoc(i: number): Record<string, unknown> {
  return {
    _id: new Types.ObjectId(),
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

/** Runs `op` in `concurrency` loops for `seconds` (each call gets the count done so far); calls finished per second. */
async function ratePerSecond(concurrency: number, seconds: number, op: (n: number) => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await op(done);
        done += 1;
      }
    }),
  );
  return done / seconds;
}

/** The baseline: `insertOne` of an order-sized document, `concurrency` in flight, for `seconds`. */
function rawInserts(concurrency: number, seconds: number): Promise<number> {
  const coll = db().collection('bench_raw_orders');
  return ratePerSecond(concurrency, seconds, async (n) => {
    await coll.insertOne(orderDoc(n));
  });
}

const FLOOR_PRODUCTS = 100;

/**
 * The floor: what a checkout must send however it is built, timed like the baseline (same driver,
 * same concurrency, collections without secondary indexes like the baseline's): the stock guard
 * exactly as the server runs it here — under `withWriteLock` where the engine needs it (FerretDB:
 * lease insert, read by `_id`, update, lease delete), one guarded `updateOne` on MongoDB — then
 * the order insert and one ledger entry insert. No reads of shop, product, link or member, no
 * rollups, no HTTP. Its rate over the raw insert rate bounds what any checkout can reach here.
 */
async function floorCheckouts(concurrency: number, seconds: number): Promise<number> {
  type Stock = { _id: Types.ObjectId; stock: number };
  const stock = db().collection<Stock>('bench_floor_stock');
  const ids = Array.from({ length: FLOOR_PRODUCTS }, () => new Types.ObjectId());
  await stock.insertMany(ids.map((_id) => ({ _id, stock: 1e12 })));
  const model = {
    updateOne: (filter: object, update: object) => stock.updateOne(filter, update),
    findById: (id: Types.ObjectId, projection: Record<string, 1>) => ({ lean: () => stock.findOne({ _id: id }, { projection }) }),
  } as unknown as ByIdWritable<Stock>;
  const orders = db().collection('bench_floor_orders');
  const ledger = db().collection('bench_floor_ledger');
  const rate = await ratePerSecond(concurrency, seconds, async (n) => {
    const productId = ids[n % FLOOR_PRODUCTS]!;
    await withWriteLock(`bench-floor:${String(productId)}`, async () => {
      const { updated } = await updateByIdIf<Stock>(model, productId, { filter: { stock: { $gte: 1 } }, holds: (p) => p.stock >= 1, fields: { stock: 1 } }, { $inc: { stock: -1 } });
      if (!updated) throw new Error('floor stock ran out');
    });
    const order = orderDoc(n);
    await orders.insertOne(order);
    await ledger.insertOne(ledgerDoc(order));
  });
  await stock.drop();
  return rate;
}

function ledgerDoc(order: Record<string, unknown>): Record<string, unknown> {
  const a = order.attribution as { resellerId: Types.ObjectId };
  return {
    resellerId: a.resellerId,
    shopId: order.shopId,
    orderId: order._id,
    kind: 'accrue',
    role: 'reseller',
    amount: 1750,
    deltas: { pending: 1750 },
    base: 25_000,
    rateBp: 700,
    idempotencyKey: `c:${String(order._id)}:reseller:accrue`,
    seq: 1,
    createdAt: new Date(),
  };
}

/** Reads and updates by `_id` of the baseline's documents, timed like it: what those commands cost here. */
async function commandRates(concurrency: number, seconds: number): Promise<{ read: number; update: number }> {
  const coll = db().collection('bench_raw_orders');
  const ids = (await coll.find({}, { projection: { _id: 1 } }).limit(10_000).toArray()).map((d) => d._id);
  const read = await ratePerSecond(concurrency, seconds, async (n) => {
    await coll.findOne({ _id: ids[n % ids.length] });
  });
  const update = await ratePerSecond(concurrency, seconds, async (n) => {
    await coll.updateOne({ _id: ids[n % ids.length] }, { $inc: { quantity: 1 } });
  });
  return { read, update };
}

/** The reads and writes a checkout with attribution cannot do without (see CheckoutFigures.ceilingRatio). */
const REQUIRED = { reads: 3, updates: 1, inserts: 2 };

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
  const floor: number[] = [];
  const costs = { read: [] as number[], update: [] as number[] };
  const http: LoadResult[] = [];
  const pids = [tular.proc.pid, databasePid()];
  const cpu = { rawDb: [] as number[], server: [] as number[], db: [] as number[], serverMs: [] as number[], dbMs: [] as number[] };
  // What the database received while only the server talked to it (the checkout rounds), per created order:
  // counted by FerretDB itself, so unlike the rates it does not depend on what else the machine is doing.
  const commands = new Map<string, number>();
  let createdInRounds = 0;
  let countsMissing = false;
  for (let r = 0; r < benchConfig.rounds; r += 1) {
    const base = await busy(pids, () => rawInserts(benchConfig.checkoutConcurrency, benchConfig.duration));
    raw.push(base.value);
    const rates = await commandRates(benchConfig.checkoutConcurrency, benchConfig.duration);
    costs.read.push(base.value / rates.read);
    costs.update.push(base.value / rates.update);
    floor.push(await floorCheckouts(benchConfig.checkoutConcurrency, benchConfig.duration));
    if (base.percent[1] != null) cpu.rawDb.push(base.percent[1]);
    // The counts are a diagnostic: a metrics endpoint that does not answer leaves them out, not the benchmark.
    const commandsBefore = await benchDatabase()
      .commandCounts()
      .catch(() => null);
    const load = await busy(pids, () => runLoad({ ...common, duration: benchConfig.duration }));
    http.push(load.value);
    const made = load.value.statusCodes['201'] ?? 0;
    const commandsAfter = commandsBefore ? await benchDatabase().commandCounts().catch(() => null) : null;
    if (commandsBefore && commandsAfter) {
      for (const [command, n] of commandsAfter) commands.set(command, (commands.get(command) ?? 0) + n - (commandsBefore.get(command) ?? 0));
      createdInRounds += made;
    } else countsMissing = true;
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
  const floorRate = median(floor);
  const httpRate = median(http.map((r) => (r.statusCodes['201'] ?? 0) / benchConfig.duration));
  const p99 = median(http.map((r) => r.p99));
  const created = statuses['201'] ?? 0;
  const refusedSoldOut = statuses['409'] ?? 0;
  const otherStatuses = Object.fromEntries(Object.entries(statuses).filter(([c]) => c !== '201' && c !== '409'));
  const commandCost = { read: round(median(costs.read), 2), update: round(median(costs.update), 2) };
  const ceilingRatio = 1 / (REQUIRED.reads * median(costs.read) + REQUIRED.updates * median(costs.update) + REQUIRED.inserts);
  const perCheckout: Record<string, number> = {};
  const byCount = [...commands].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  for (const [command, n] of byCount) perCheckout[command] = createdInRounds > 0 ? round(n / createdInRounds, 2) : 0;
  const commandsTotal = createdInRounds > 0 ? round(byCount.reduce((sum, [, n]) => sum + n, 0) / createdInRounds, 1) : 0;
  const figures: CheckoutFigures = {
    rawInsertsPerSec: round(rawRate, 0),
    checkoutsPerSec: round(httpRate, 0),
    ratio: round(httpRate / rawRate, 3),
    floorPerSec: round(floorRate, 0),
    floorRatio: round(floorRate / rawRate, 3),
    floorStatements: writesAreSerialized() ? 6 : 3,
    commandCost,
    ceilingRatio: round(ceilingRatio, 3),
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
    databaseCommandsPerCheckout: perCheckout,
    met: httpRate / rawRate >= 0.25 && oversoldUnits === 0 && stockMismatches === 0 && duplicateLedgerEntries === 0 && created > 0,
  };
  printTable(
    `Checkout — ${benchConfig.checkoutConcurrency} concurrent, ${benchConfig.rounds} × ${benchConfig.duration} s (medians)`,
    ['measure', 'value'],
    [
      ['raw insertOne of an order-sized doc (docs/s)', figures.rawInsertsPerSec],
      ['POST /checkout with a referral code, 201s/s', figures.checkoutsPerSec],
      ['ratio checkout / raw insert', figures.ratio],
      [`floor: stock guard + order + ledger insert, ${figures.floorStatements} statements (/s)`, figures.floorPerSec],
      ['best ratio one statement at a time (floor / raw)', figures.floorRatio],
      ['cost of a read / an update by _id, in raw inserts', `${commandCost.read} / ${commandCost.update}`],
      [`ceiling: ${REQUIRED.reads} reads + ${REQUIRED.updates} update + ${REQUIRED.inserts} inserts at those costs (ratio)`, figures.ceilingRatio],
      ['checkout p99 (ms)', p99],
      ['busy % of a core during checkout: server / database', `${round(median(cpu.server), 0)} / ${round(median(cpu.db), 0)}`],
      ['CPU ms per checkout: server / database', `${figures.serverCpuMsPerCheckout} / ${figures.databaseCpuMsPerCheckout}`],
      [
        'database commands per created order (counted by FerretDB)',
        createdInRounds > 0 ? `${commandsTotal}: ${Object.entries(perCheckout).map(([c, n]) => `${c} ${n}`).join(', ')}${countsMissing ? ' (some rounds not counted)' : ''}` : 'n/a (metrics did not answer)',
      ],
      ['database busy % during raw inserts', round(median(cpu.rawDb), 0)],
      ['orders created (measured rounds) / 409 sold out', `${created} / ${refusedSoldOut}`],
      ['other statuses', JSON.stringify(otherStatuses)],
      ['orders stored with attribution / all', `${figures.attributed} / ${orders.length}`],
      ['oversold units / stock mismatches', `${oversoldUnits} / ${stockMismatches}`],
      ['duplicate ledger entries', duplicateLedgerEntries],
    ],
  );
  if (figures.floorRatio < 0.25) {
    console.log(
      `  note: on this engine the floor alone reaches ${figures.floorRatio} of the raw insert rate — a checkout that guards stock and books its commission one statement at a time cannot reach 25% here; checkout / floor = ${round(httpRate / floorRate, 2)}`,
    );
  }
  if (figures.ceilingRatio < 0.25) {
    console.log(
      `  note: the commands a checkout with attribution cannot skip (current product, link and member; stock, order, ledger) cost ${round(1 / figures.ceilingRatio, 1)} raw inserts here, before any lock, HTTP or ODM: ${figures.ceilingRatio} is this engine's ceiling`,
    );
  }
  printVerdict('checkout', [{ target: '≥ 25% of raw insertOne, 0 oversold, 0 duplicate ledger entries', met: figures.met }]);
  return figures;
}
