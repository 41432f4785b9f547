import type mongoose from 'mongoose';
import { LedgerEntryModel, type LedgerEntryDoc } from '../../models/LedgerEntry';
import { appendEntry, type NewEntry } from './ledgerWriter';

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

export type CommissionState = 'pending' | 'approved' | 'available' | 'voided' | 'reversed';

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
    if (fromPending?.kind === 'void') state = 'voided';
    else if (fromPending) {
      state = 'approved';
      if (fromApproved?.kind === 'void') state = 'voided';
      else if (fromApproved) state = fromAvailable ? 'reversed' : 'available';
    }
    streams.push({ accrue, state });
  }
  return streams;
}

type Effect = (stream: Stream) => NewEntry | null;

/** Applies `effect` to every stream; on a lost race (key taken) re-reads and tries again. */
async function applyToStreams(order: OrderRef, effect: Effect): Promise<LedgerEntryDoc[]> {
  const written: LedgerEntryDoc[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    let lostRace = false;
    for (const stream of await commissionStreams(order._id)) {
      const next = effect(stream);
      if (!next) continue;
      const { entry, created } = await appendEntry(next);
      if (created && entry) written.push(entry);
      else lostRace = true;
    }
    if (!lostRace) break;
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
          ...common(order, s),
          kind: 'approve',
          amount: 0,
          deltas: { pending: -s.accrue.amount, approved: s.accrue.amount },
          availableAt,
          idempotencyKey: key(order._id, s.accrue.role as CommissionRole, 'from-pending'),
        },
  );
}

/** Hold over: approved → available (the payout-able bucket). */
export function releaseCommission(order: OrderRef): Promise<LedgerEntryDoc[]> {
  return applyToStreams(order, (s) =>
    s.state !== 'approved'
      ? null
      : {
          ...common(order, s),
          kind: 'release',
          amount: 0,
          deltas: { approved: -s.accrue.amount, available: s.accrue.amount },
          idempotencyKey: key(order._id, s.accrue.role as CommissionRole, 'from-approved'),
        },
  );
}

/**
 * Order cancelled or refunded. Before the commission became payable it is voided from pending or
 * approved; once it was available (and may have been paid out) a negative reversal is booked
 * against available — a debt later commissions settle, never a clawback from a past payout.
 */
export function voidCommission(order: OrderRef): Promise<LedgerEntryDoc[]> {
  return applyToStreams(order, (s) => {
    const a = s.accrue.amount;
    const role = s.accrue.role as CommissionRole;
    if (s.state === 'pending') return { ...common(order, s), kind: 'void', amount: -a, deltas: { pending: -a }, idempotencyKey: key(order._id, role, 'from-pending') };
    if (s.state === 'approved') return { ...common(order, s), kind: 'void', amount: -a, deltas: { approved: -a }, idempotencyKey: key(order._id, role, 'from-approved') };
    if (s.state === 'available') return { ...common(order, s), kind: 'reversal', amount: -a, deltas: { available: -a }, idempotencyKey: key(order._id, role, 'from-available') };
    return null;
  });
}
