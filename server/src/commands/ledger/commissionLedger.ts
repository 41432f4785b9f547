import type mongoose from 'mongoose';
import { LedgerEntryModel, type LedgerEntryDoc } from '../../models/LedgerEntry';
import { appendEntry, appendGuarded, type Account, type LedgerRow, type NewEntry } from './ledgerWriter';
import { drawnFrom, payablePool } from './payablePool';

/**
 * One commission stream per (order, role) moves pending → approved → available, or out to void /
 * reversal. Each state can be left once: the idempotency key names the state being left
 * (`c:<order>:<role>:from-<state>`), so a replay, a second releaser or a refund racing the releaser
 * cannot both take the same commission out of the same state — the loser re-reads and moves on.
 */
export type CommissionRole = 'reseller' | 'upline';

export interface CommissionLine {
  role: CommissionRole;
  resellerId: mongoose.Types.ObjectId | string;
  amount: number;
  base: number;
  rateBp?: number | null;
  flatPerUnit?: number | null;
  bonusBp?: number | null;
}

interface OrderRef {
  _id: mongoose.Types.ObjectId;
  shopId: mongoose.Types.ObjectId;
}

/** `splitting`: a refund voided the undrawn part from available and still owes the reversal of the rest. */
export type CommissionState = 'pending' | 'approved' | 'available' | 'splitting' | 'voided' | 'reversed';

const key = (orderId: mongoose.Types.ObjectId, role: CommissionRole, step: string): string => `c:${String(orderId)}:${role}:${step}`;

/** Books the pending commission lines of a new order (zero-amount lines are skipped: nothing to owe). */
export async function accrueCommission(order: OrderRef, lines: CommissionLine[]): Promise<LedgerEntryDoc[]> {
  const written: LedgerEntryDoc[] = [];
  for (const line of lines) {
    if (line.amount <= 0) continue;
    const { entry } = await appendEntry({
      resellerId: line.resellerId,
      shopId: order.shopId,
      orderId: order._id,
      kind: 'accrue',
      role: line.role,
      amount: line.amount,
      deltas: { pending: line.amount },
      base: line.base,
      rateBp: line.rateBp ?? null,
      flatPerUnit: line.flatPerUnit ?? null,
      bonusBp: line.bonusBp ?? null,
      idempotencyKey: key(order._id, line.role, 'accrue'),
    });
    if (entry) written.push(entry);
  }
  return written;
}

interface Stream {
  accrue: LedgerEntryDoc;
  /** The release entry, once the commission became available (what payouts draw on). */
  release: LedgerEntryDoc | null;
  /** Rupiah already voided from available when a refund is half-booked (state `splitting`). */
  voidedFromAvailable: number;
  state: CommissionState;
}

/** The order's commission streams and where each one is, read from its entries. */
export async function commissionStreams(orderId: mongoose.Types.ObjectId): Promise<Stream[]> {
  const entries = await LedgerEntryModel.find({ orderId }).sort({ _id: 1 });
  const streams: Stream[] = [];
  for (const accrue of entries.filter((e) => e.kind === 'accrue')) {
    const mine = entries.filter((e) => e.role === accrue.role);
    const left = (step: string): LedgerEntryDoc | undefined => mine.find((e) => e.idempotencyKey === key(orderId, accrue.role as CommissionRole, step));
    const fromPending = left('from-pending');
    const fromApproved = left('from-approved');
    const fromAvailable = left('from-available');
    let state: CommissionState = 'pending';
    let voidedFromAvailable = 0;
    if (fromPending?.kind === 'void') state = 'voided';
    else if (fromPending) {
      state = 'approved';
      if (fromApproved?.kind === 'void') state = 'voided';
      else if (fromApproved) {
        if (!fromAvailable) state = 'available';
        else if (fromAvailable.kind === 'reversal' || left('from-available:rest')) state = 'reversed';
        else if (-fromAvailable.amount >= accrue.amount) state = 'voided';
        else {
          state = 'splitting';
          voidedFromAvailable = -fromAvailable.amount;
        }
      }
    }
    streams.push({ accrue, release: fromApproved?.kind === 'release' ? fromApproved : null, voidedFromAvailable, state });
  }
  return streams;
}

/** What to append for a stream: a fixed entry, or one decided from the account's history. */
type Step = { entry: NewEntry } | { account: Account; decide: (history: LedgerRow[]) => NewEntry | null };
type Effect = (stream: Stream) => Step | null;

/**
 * Applies `effect` to every stream until none has anything left to do: a lost race (key taken)
 * re-reads, and a step that leads to another (a split refund) takes the next pass.
 */
async function applyToStreams(order: OrderRef, effect: Effect): Promise<LedgerEntryDoc[]> {
  const written: LedgerEntryDoc[] = [];
  for (let pass = 0; pass < 6; pass += 1) {
    let acted = false;
    for (const stream of await commissionStreams(order._id)) {
      const step = effect(stream);
      if (!step) continue;
      acted = true;
      const { entry, created } = 'entry' in step ? await appendEntry(step.entry) : await appendGuarded(step.account, step.decide);
      if (created && entry) written.push(entry);
    }
    if (!acted) break;
  }
  return written;
}

const common = (order: OrderRef, s: Stream) => ({
  resellerId: s.accrue.resellerId,
  shopId: order.shopId,
  orderId: order._id,
  role: s.accrue.role as CommissionRole,
});

/** Order fulfilled: pending → approved, available from `availableAt` (fulfilment + the shop's hold). */
export function approveCommission(order: OrderRef, availableAt: Date): Promise<LedgerEntryDoc[]> {
  return applyToStreams(order, (s) =>
    s.state !== 'pending'
      ? null
      : {
          entry: {
            ...common(order, s),
            kind: 'approve',
            amount: 0,
            deltas: { pending: -s.accrue.amount, approved: s.accrue.amount },
            availableAt,
            idempotencyKey: key(order._id, s.accrue.role as CommissionRole, 'from-pending'),
          },
        },
  );
}

/** Hold over: approved → available (the payout-able bucket). */
export function releaseCommission(order: OrderRef): Promise<LedgerEntryDoc[]> {
  return applyToStreams(order, (s) =>
    s.state !== 'approved'
      ? null
      : {
          entry: {
            ...common(order, s),
            kind: 'release',
            amount: 0,
            deltas: { approved: -s.accrue.amount, available: s.accrue.amount },
            idempotencyKey: key(order._id, s.accrue.role as CommissionRole, 'from-approved'),
          },
        },
  );
}

/**
 * Order cancelled or refunded. Commission nobody has drawn on is voided — from pending, approved, or
 * available when no payout took it. The part a payout has drawn on (requested, approved or paid: the
 * reseller claimed it and the owner may already be transferring it) is paid-out money, so it gets a
 * negative reversal against available — a debt later commissions settle, never a clawback. Whether
 * it was drawn on is decided at the account's next seat (appendGuarded), so a payout request racing
 * the refund either sees the void or is seen by it; a commission split across both books the void of
 * the undrawn part first, then the reversal of the rest (`from-available:rest`).
 */
export function voidCommission(order: OrderRef): Promise<LedgerEntryDoc[]> {
  return applyToStreams(order, (s) => {
    const a = s.accrue.amount;
    const role = s.accrue.role as CommissionRole;
    const base = common(order, s);
    if (s.state === 'pending') return { entry: { ...base, kind: 'void', amount: -a, deltas: { pending: -a }, idempotencyKey: key(order._id, role, 'from-pending') } };
    if (s.state === 'approved') return { entry: { ...base, kind: 'void', amount: -a, deltas: { approved: -a }, idempotencyKey: key(order._id, role, 'from-approved') } };
    if (s.state === 'splitting') {
      const rest = a - s.voidedFromAvailable;
      return { entry: { ...base, kind: 'reversal', amount: -rest, deltas: { available: -rest }, idempotencyKey: key(order._id, role, 'from-available:rest') } };
    }
    if (s.state !== 'available' || !s.release) return null;
    const release = s.release;
    const fromAvailable = key(order._id, role, 'from-available');
    return {
      account: base,
      decide: (history) => {
        if (history.some((e) => e.idempotencyKey === fromAvailable)) return null;
        const undrawn = a - drawnFrom(payablePool(history), release._id);
        if (undrawn > 0) return { ...base, kind: 'void', amount: -undrawn, deltas: { available: -undrawn }, idempotencyKey: fromAvailable };
        return { ...base, kind: 'reversal', amount: -a, deltas: { available: -a }, idempotencyKey: fromAvailable };
      },
    };
  });
}
