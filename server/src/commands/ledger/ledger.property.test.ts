import fc from 'fast-check';
import type { Response } from 'supertest';
import { useTestDatabase, buildTestApp, type TestApp } from '../../../test/harness';
import { buildSalesShop, buildSeller, buyer, earnings, type SalesShop, type Seller } from '../../../test/sales';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { ProductModel } from '../../models/Product';
import { runOnce as releaseDue } from '../../jobs/holdReleaser';
import { BUCKETS, sumEntries, type Balance } from './ledgerWriter';

/**
 * Model-based test of the money rules: random sequences of operations — and concurrent pairs — go
 * through the real HTTP API and database, while a small model written from DESIGN.md (not from the
 * ledger code) predicts every status code and every reseller's balance. The model knows nothing of
 * ledger entries; it tracks commissions, payouts and one FIFO pool of released money per reseller.
 */
useTestDatabase();
let app: TestApp;
beforeAll(() => {
  app = buildTestApp();
});

const PRICE = 100_000; // 7% → Rp 7.000 per unit for the seller, 2% → Rp 2.000 for an active upline
const MIN_PAYOUT = 5_000;
const STOCK = 500;
const DAY = 86_400_000;

type To = 'paid' | 'fulfilled' | 'cancelled' | 'refunded';
type Op =
  | { kind: 'checkout'; seller: 0 | 1; quantity: number; attributed: boolean }
  /** `live`: pick among the orders this move is allowed for, when there are any (races want real refunds). */
  | { kind: 'move'; order: number; to: To; live?: boolean }
  | { kind: 'advance'; order: number }
  | { kind: 'release' }
  | { kind: 'payout'; seller: 0 | 1; amount: number | 'all' }
  | { kind: 'decide'; payout: number; to: 'approved' | 'paid' | 'rejected' }
  | { kind: 'race'; a: Op; b: Op };

// ---- the model ------------------------------------------------------------------------------
type StreamState = 'pending' | 'approved' | 'available' | 'closed';
interface MStream {
  seller: 0 | 1;
  amount: number;
  state: StreamState;
  /** How the refund booked it, in order: what the design says the ledger must show. */
  exits: Array<['void' | 'reversal', number]>;
}
interface MOrder {
  id: string;
  seller: 0 | 1 | null;
  quantity: number;
  status: 'pending' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';
  /** When it was fulfilled, as a step count: the releaser goes by due date, i.e. by fulfilment. */
  fulfilledAt: number | null;
  streams: MStream[];
}
interface MSlice {
  stream: MStream;
  size: number;
}
interface MAccount {
  bal: Balance;
  /** Released money, oldest first; `consumed` rupiah at its front went to payouts or settled debts. */
  pool: MSlice[];
  consumed: number;
}
interface MPayout {
  id: string;
  seller: 0 | 1;
  amount: number;
  status: 'requested' | 'approved' | 'paid' | 'rejected';
}
interface Model {
  holdDays: 0 | 7;
  orders: MOrder[];
  payouts: MPayout[];
  accounts: [MAccount, MAccount];
  stock: number;
}

const ORDER_MOVES: Record<MOrder['status'], readonly To[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['fulfilled', 'cancelled', 'refunded'],
  fulfilled: ['refunded'],
  cancelled: [],
  refunded: [],
};
const PAYOUT_MOVES: Record<MPayout['status'], readonly MPayout['status'][]> = {
  requested: ['approved', 'paid', 'rejected'],
  approved: ['paid', 'rejected'],
  paid: [],
  rejected: [],
};

const emptyAccount = (): MAccount => ({ bal: { pending: 0, approved: 0, available: 0, reserved: 0, paid: 0 }, pool: [], consumed: 0 });
const cloneModel = (m: Model): Model => {
  // Streams are shared between orders and pool slices: copy them once and relink.
  const copies = new Map<MStream, MStream>();
  const copy = (s: MStream): MStream => copies.get(s) ?? copies.set(s, { ...s, exits: s.exits.map((e) => [...e] as [MStream['exits'][number][0], number]) }).get(s)!;
  return {
    holdDays: m.holdDays,
    stock: m.stock,
    orders: m.orders.map((o) => ({ ...o, streams: o.streams.map(copy) })),
    payouts: m.payouts.map((p) => ({ ...p })),
    accounts: m.accounts.map((a) => ({ bal: { ...a.bal }, consumed: a.consumed, pool: a.pool.map((sl) => ({ stream: copy(sl.stream), size: sl.size })) })) as [MAccount, MAccount],
  };
};

/** Upline rule: seller 0 is seller 1's upline and earns while it has a fulfilled own sale this month. */
const uplineActive = (m: Model): boolean => m.orders.some((o) => o.seller === 0 && o.status === 'fulfilled');

function makeAvailable(m: Model, s: MStream): void {
  const acc = m.accounts[s.seller];
  acc.bal.approved -= s.amount;
  acc.bal.available += s.amount;
  acc.pool.push({ stream: s, size: s.amount });
  s.state = 'available';
}

function closeStream(m: Model, s: MStream): void {
  const acc = m.accounts[s.seller];
  if (s.state === 'pending') acc.bal.pending -= s.amount;
  else if (s.state === 'approved') acc.bal.approved -= s.amount;
  if (s.state === 'pending' || s.state === 'approved') s.exits.push(['void', s.amount]);
  if (s.state === 'available') {
    // What a payout (open or paid) has drawn on is paid-out money: reversed. The rest: voided.
    let start = 0;
    const slice = acc.pool.find((sl) => (sl.stream === s ? true : ((start += sl.size), false)))!;
    const drawn = Math.min(slice.size, Math.max(0, acc.consumed - start));
    const undrawn = s.amount - drawn;
    if (undrawn > 0) s.exits.push(['void', undrawn]);
    if (drawn > 0) s.exits.push(['reversal', drawn]);
    slice.size -= undrawn;
    acc.consumed += drawn;
    acc.bal.available -= s.amount;
  }
  s.state = 'closed';
}

function moveOrder(m: Model, o: MOrder, to: To): number {
  if (o.status === to) return 200;
  if (!ORDER_MOVES[o.status].includes(to)) return 409;
  o.status = to;
  if (to === 'fulfilled') {
    for (const s of o.streams) {
      m.accounts[s.seller].bal.pending -= s.amount;
      m.accounts[s.seller].bal.approved += s.amount;
      s.state = 'approved';
      if (m.holdDays === 0) makeAvailable(m, s);
    }
    o.fulfilledAt = (fulfilmentSeq += 1);
  }
  if (to === 'cancelled' || to === 'refunded') {
    for (const s of o.streams) closeStream(m, s);
    m.stock += o.quantity;
  }
  return 200;
}
let fulfilmentSeq = 0;

interface Resolved {
  op: Op;
  order?: MOrder;
  payout?: MPayout;
  amount?: number;
}

/** Picks the concrete order/payout/amount an abstract op refers to, from the model's state now. */
function resolve(m: Model, op: Op): Resolved | null {
  if (op.kind === 'move' && op.live) {
    const movable = m.orders.filter((o) => ORDER_MOVES[o.status].includes(op.to) && o.streams.length);
    if (movable.length) return { op, order: movable[op.order % movable.length]! };
  }
  if (op.kind === 'move' || op.kind === 'advance') return m.orders.length ? { op, order: m.orders[op.order % m.orders.length]! } : null;
  if (op.kind === 'decide') return m.payouts.length ? { op, payout: m.payouts[op.payout % m.payouts.length]! } : null;
  if (op.kind === 'payout') return { op, amount: op.amount === 'all' ? Math.max(MIN_PAYOUT, m.accounts[op.seller].bal.available) : op.amount };
  return { op };
}

/** The id the API gave a created record (absent when the API refused: then the statuses disagree anyway). */
const createdId = (res: Response[]): string => String((res[0]?.body as { data?: { id?: string } } | undefined)?.data?.id ?? 'refused');

/** Applies a resolved op to the model; returns the status codes the API must answer with. */
function applyModel(m: Model, r: Resolved, res: Response[]): number[] {
  const { op } = r;
  // Ops are resolved against one model and replayed on its clones: find the clone's own records.
  const order = r.order ? m.orders.find((o) => o.id === r.order!.id)! : undefined;
  const payout = r.payout ? m.payouts.find((p) => p.id === r.payout!.id)! : undefined;
  switch (op.kind) {
    case 'checkout': {
      if (m.stock < op.quantity) return [409];
      m.stock -= op.quantity;
      const streams: MStream[] = [];
      if (op.attributed) {
        const base = op.quantity * PRICE;
        streams.push({ seller: op.seller, amount: Math.floor((base * 700) / 10_000), state: 'pending', exits: [] });
        if (op.seller === 1 && uplineActive(m)) streams.push({ seller: 0, amount: Math.floor((base * 200) / 10_000), state: 'pending', exits: [] });
        for (const s of streams) m.accounts[s.seller].bal.pending += s.amount;
      }
      m.orders.push({ id: createdId(res), seller: op.attributed ? op.seller : null, quantity: op.quantity, status: 'pending', fulfilledAt: null, streams });
      return [201];
    }
    case 'move':
      return [moveOrder(m, order!, op.to)];
    case 'advance': {
      if (order!.status === 'pending') return [moveOrder(m, order!, 'paid'), moveOrder(m, order!, 'fulfilled')];
      if (order!.status === 'paid') return [moveOrder(m, order!, 'fulfilled')];
      return [];
    }
    case 'release': {
      const due = m.orders.filter((o) => o.status === 'fulfilled').sort((a, b) => a.fulfilledAt! - b.fulfilledAt!);
      for (const o of due) for (const s of o.streams) if (s.state === 'approved') makeAvailable(m, s);
      return [];
    }
    case 'payout': {
      const amount = r.amount!;
      const acc = m.accounts[op.seller];
      if (amount < MIN_PAYOUT) return [400];
      if (acc.bal.available < amount) return [409];
      acc.bal.available -= amount;
      acc.bal.reserved += amount;
      acc.consumed += amount;
      m.payouts.push({ id: createdId(res), seller: op.seller, amount, status: 'requested' });
      return [201];
    }
    case 'decide': {
      const p = payout!;
      if (p.status === op.to) return [200];
      if (!PAYOUT_MOVES[p.status].includes(op.to)) return [409];
      const acc = m.accounts[p.seller];
      if (op.to === 'paid') {
        acc.bal.reserved -= p.amount;
        acc.bal.paid += p.amount;
      } else if (op.to === 'rejected') {
        acc.bal.reserved -= p.amount;
        acc.bal.available += p.amount;
        acc.consumed -= p.amount;
      }
      p.status = op.to;
      return [200];
    }
    case 'race':
      throw new Error('races are applied pairwise');
  }
}

// ---- the real thing -------------------------------------------------------------------------
interface World {
  s: SalesShop;
  sellers: [Seller, Seller];
}

async function runHttp(w: World, r: Resolved, m: Model): Promise<Response[]> {
  const { op } = r;
  const patchOrder = (id: string, status: To) => app.http.patch(`/api/v1/orders/${id}`).set(w.s.owner.auth).send({ status });
  switch (op.kind) {
    case 'checkout':
      return [await app.http.post('/api/v1/checkout').send({ productId: w.s.product.id, quantity: op.quantity, buyer: buyer(), ...(op.attributed ? { ref: w.sellers[op.seller].code } : {}) })];
    case 'move':
      return [await patchOrder(r.order!.id, op.to)];
    case 'advance': {
      // What to send is decided from the model's view of the order, as an owner would from the screen.
      const status = m.orders.find((o) => o.id === r.order!.id)!.status;
      const steps: To[] = status === 'pending' ? ['paid', 'fulfilled'] : status === 'paid' ? ['fulfilled'] : [];
      const out: Response[] = [];
      for (const to of steps) out.push(await patchOrder(r.order!.id, to));
      return out;
    }
    case 'release':
      await releaseDue(app.deps, new Date(Date.now() + 8 * DAY));
      return [];
    case 'payout':
      return [
        await app.http
          .post('/api/v1/payouts')
          .set(w.sellers[op.seller].auth)
          .send({ shopId: w.s.shop.id, amount: r.amount, method: 'dana', account: { name: 'Rina', number: '081234567890' } }),
      ];
    case 'decide':
      return [await app.http.patch(`/api/v1/payouts/${r.payout!.id}`).set(w.s.owner.auth).send(op.to === 'paid' ? { status: 'paid', reference: 'TRF-1' } : { status: op.to })];
    case 'race':
      throw new Error('races are run pairwise');
  }
}

async function observedBalances(w: World): Promise<[Balance, Balance]> {
  const [a, b] = await Promise.all(w.sellers.map((seller) => earnings(app, seller, w.s.shop.id)));
  const pick = (e: Balance): Balance => ({ pending: e.pending, approved: e.approved, available: e.available, reserved: e.reserved, paid: e.paid });
  return [pick(a!), pick(b!)];
}

const describeStep = (r: Resolved): string => JSON.stringify({ ...r.op, order: r.order?.id, payout: r.payout?.id, amount: r.amount });

/** Runs one op, or a concurrent pair, and moves the model along; fails on any disagreement. */
async function step(w: World, m: Model, op: Op): Promise<Model> {
  if (op.kind !== 'race') {
    const r = resolve(m, op);
    if (!r) return m;
    const res = await runHttp(w, r, m);
    const expected = applyModel(m, r, res);
    expect({ step: describeStep(r), statuses: res.map((x) => x.status) }).toEqual({ step: describeStep(r), statuses: expected });
    expect(await observedBalances(w)).toEqual(m.accounts.map((a) => a.bal));
    return m;
  }
  const ra = resolve(m, op.a);
  const rb = resolve(m, op.b);
  if (!ra || !rb) return m;
  const [resA, resB] = await Promise.all([runHttp(w, ra, m), runHttp(w, rb, m)]);
  const observed = await observedBalances(w);
  // Correct under concurrency = equal to one of the two serial orders.
  for (const [first, second] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const candidate = cloneModel(m);
    const resolved = [ra, rb];
    const responses = [resA, resB];
    const expected: number[][] = [[], []];
    expected[first] = applyModel(candidate, resolved[first]!, responses[first]!);
    expected[second] = applyModel(candidate, resolved[second]!, responses[second]!);
    const statusesMatch = JSON.stringify(expected) === JSON.stringify([resA.map((x) => x.status), resB.map((x) => x.status)]);
    if (!statusesMatch || JSON.stringify(candidate.accounts.map((a) => a.bal)) !== JSON.stringify(observed)) continue;
    // Both orders can end in the same balances yet book a refund differently (void before a
    // payout drew on it, reversal after): the ledger's record of the refund says which happened.
    const touched = [ra, rb].map((r) => r.order && candidate.orders.find((o) => o.id === r.order!.id)).filter((o): o is MOrder => Boolean(o));
    let exitsMatch = true;
    for (const o of touched) if (JSON.stringify(await bookedExits(w, o)) !== JSON.stringify(o.streams.map((st) => st.exits))) exitsMatch = false;
    if (exitsMatch) return candidate;
  }
  throw new Error(
    `no serial order explains ${describeStep(ra)} ‖ ${describeStep(rb)}: statuses ${JSON.stringify([resA.map((x) => x.status), resB.map((x) => x.status)])}, balances ${JSON.stringify(observed)}, model before ${JSON.stringify(m.accounts.map((a) => a.bal))}`,
  );
}

/** The voids and reversals the ledger booked for each of the order's commission streams. */
async function bookedExits(w: World, o: MOrder): Promise<MStream['exits'][]> {
  const rows = await LedgerEntryModel.find({ orderId: o.id, kind: { $in: ['void', 'reversal'] } }).sort({ seq: 1 }).lean();
  return o.streams.map((st) =>
    rows.filter((e) => String(e.resellerId) === w.sellers[st.seller].user.id).map((e) => [e.kind as MStream['exits'][number][0], -e.amount]),
  );
}

/** What must hold at the end, checked against the database rather than the API. */
async function checkLedger(w: World, m: Model): Promise<void> {
  for (const [i, seller] of w.sellers.entries()) {
    const entries = await LedgerEntryModel.find({ shopId: w.s.shop.id, resellerId: seller.user.id }).sort({ seq: 1 }).lean();
    const bal = m.accounts[i]!.bal;
    // Balance = sum of entries; the account's entries are one unbroken sequence.
    expect(sumEntries(entries)).toEqual(bal);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, n) => n + 1));
    // Paid = what paid payouts paid; reserved = what open payouts hold.
    const mine = m.payouts.filter((p) => p.seller === i);
    expect(bal.paid).toBe(mine.filter((p) => p.status === 'paid').reduce((n, p) => n + p.amount, 0));
    expect(bal.reserved).toBe(mine.filter((p) => p.status === 'requested' || p.status === 'approved').reduce((n, p) => n + p.amount, 0));
    for (const b of ['pending', 'approved', 'reserved', 'paid'] as const) expect(bal[b]).toBeGreaterThanOrEqual(0);
    // Replayed in ledger order, no payout ever took available below zero.
    let available = 0;
    for (const e of entries) {
      if (e.kind === 'payout_reserve') expect(available).toBeGreaterThanOrEqual(e.deltas?.reserved ?? 0);
      available += e.deltas?.available ?? 0;
    }
  }
  // Cancelled/refunded: each commission nets to zero — voided, or reversed where it had been paid out.
  for (const o of m.orders.filter((x) => x.streams.length && (x.status === 'cancelled' || x.status === 'refunded'))) {
    const rows = await LedgerEntryModel.find({ orderId: o.id }).lean();
    for (const st of o.streams) expect(rows.filter((e) => String(e.resellerId) === w.sellers[st.seller].user.id).reduce((n, e) => n + e.amount, 0)).toBe(0);
    expect(await bookedExits(w, o)).toEqual(o.streams.map((st) => st.exits));
  }
  const product = (await ProductModel.findById(w.s.product.id).lean())!;
  expect(product.stock).toBe(m.stock);
}

// ---- the walk -------------------------------------------------------------------------------
const seller = fc.constantFrom(0 as const, 1 as const);
const simpleOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('checkout' as const), seller, quantity: fc.integer({ min: 1, max: 3 }), attributed: fc.integer({ min: 0, max: 5 }).map((n) => n > 0) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), order: fc.nat(30) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), order: fc.nat(30), to: fc.constantFrom<To>('paid', 'fulfilled', 'cancelled', 'refunded') }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'release' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('payout' as const), seller, amount: fc.oneof(fc.constant('all' as const), fc.integer({ min: 3_000, max: 25_000 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), payout: fc.nat(20), to: fc.constantFrom('approved' as const, 'paid' as const, 'rejected' as const) }) },
);
// The races that matter for money: refund vs payout, payout vs payout, refund vs settling a payout.
const raceOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('race' as const),
    a: fc.record({ kind: fc.constant('move' as const), order: fc.nat(30), to: fc.constantFrom<To>('refunded', 'cancelled'), live: fc.constant(true) }),
    b: fc.record({ kind: fc.constant('payout' as const), seller, amount: fc.oneof(fc.constant('all' as const), fc.integer({ min: 5_000, max: 20_000 })) }),
  }),
  fc.record({
    kind: fc.constant('race' as const),
    a: fc.record({ kind: fc.constant('payout' as const), seller, amount: fc.constant('all' as const) }),
    b: fc.record({ kind: fc.constant('payout' as const), seller, amount: fc.integer({ min: 5_000, max: 20_000 }) }),
  }),
  fc.record({
    kind: fc.constant('race' as const),
    a: fc.record({ kind: fc.constant('move' as const), order: fc.nat(30), to: fc.constant<To>('refunded'), live: fc.constant(true) }),
    b: fc.record({ kind: fc.constant('decide' as const), payout: fc.nat(20), to: fc.constantFrom('paid' as const, 'rejected' as const) }),
  }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof({ weight: 7, arbitrary: simpleOp }, { weight: 3, arbitrary: raceOp });

describe('the ledger against a model of the money rules', () => {
  it('every status and balance is what the model predicts, also when refunds and payouts race', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0 as const, 7 as const), fc.array(opArb, { minLength: 10, maxLength: 25 }), async (holdDays, ops) => {
        const s = await buildSalesShop(
          app,
          { holdDays, minPayout: MIN_PAYOUT, commission: { type: 'percent', bySegment: { buzzer: 500, influencer: 1_000, follower: 700 }, tiers: [], uplineBp: 200 } },
          { price: PRICE, stock: STOCK },
        );
        const upline = await buildSeller(app, s);
        const down = await buildSeller(app, s, { invite: upline.user.inviteCode });
        const w: World = { s, sellers: [upline, down] };
        let m: Model = { holdDays, orders: [], payouts: [], accounts: [emptyAccount(), emptyAccount()], stock: STOCK };
        // A start with money in every state: seller 0 becomes an active upline (a fulfilled own
        // sale), then seller 1 sells (earning both of them); all of it steps of the walk, checked.
        const start: Op[] = [
          { kind: 'checkout', seller: 0, quantity: 1, attributed: true },
          { kind: 'advance', order: 0 },
          { kind: 'checkout', seller: 1, quantity: 2, attributed: true },
          { kind: 'advance', order: 1 },
          { kind: 'release' },
          { kind: 'checkout', seller: 1, quantity: 1, attributed: true },
        ];
        for (const op of start) m = await step(w, m, op);
        for (const op of ops) m = await step(w, m, op);
        await checkLedger(w, m);
      }),
      // No shrinking: every replay costs a whole walk against the database; the report names the step.
      { numRuns: 9, endOnFailure: true },
    );
  }, 120_000);
});

// Keeps the helper honest: the balance shape the model uses is the ledger's.
it('the model tracks every bucket the ledger has', () => {
  expect(Object.keys(emptyAccount().bal).sort()).toEqual([...BUCKETS].sort());
});
