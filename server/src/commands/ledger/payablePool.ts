import type mongoose from 'mongoose';
import type { LedgerRow } from './ledgerWriter';

/**
 * Released commission, oldest first, is the money payouts draw on: a FIFO pool. `consumed` rupiah at
 * its front have been taken — by payouts (reserves net of returns) and by debts (reversals, which the
 * next released money settles). A commission voided from available leaves the pool (its slice
 * shrinks), so it is never traced as paid out. available = pool size − consumed, always.
 */
export interface PoolSlice {
  release: LedgerRow;
  start: number;
  size: number;
}

export interface PayablePool {
  slices: PoolSlice[];
  consumed: number;
}

const streamOf = (e: { orderId?: mongoose.Types.ObjectId | null; role?: string | null }): string => `${String(e.orderId)}:${e.role ?? ''}`;

export function payablePool(history: readonly LedgerRow[]): PayablePool {
  const voided = new Map<string, number>();
  let consumed = 0;
  for (const e of history) {
    const available = e.deltas?.available ?? 0;
    if (e.kind === 'void' && available < 0) voided.set(streamOf(e), (voided.get(streamOf(e)) ?? 0) - available);
    else if (e.kind === 'payout_reserve') consumed += e.deltas?.reserved ?? 0;
    else if (e.kind === 'payout_return') consumed -= available;
    else if (e.kind === 'reversal') consumed -= available;
  }
  const slices: PoolSlice[] = [];
  let position = 0;
  for (const e of history) {
    if (e.kind !== 'release') continue;
    const size = Math.max(0, (e.deltas?.available ?? 0) - (voided.get(streamOf(e)) ?? 0));
    slices.push({ release: e, start: position, size });
    position += size;
  }
  return { slices, consumed };
}

/** How much of one release a payout (or a debt) has drawn on: the part of its slice inside `consumed`. */
export function drawnFrom(pool: PayablePool, releaseId: mongoose.Types.ObjectId): number {
  const slice = pool.slices.find((s) => s.release._id.equals(releaseId));
  if (!slice) return 0;
  return Math.min(slice.size, Math.max(0, pool.consumed - slice.start));
}

/** Traceability: the releases the next `amount` rupiah drawn from the pool come from. */
export function releasesCovered(pool: PayablePool, amount: number): mongoose.Types.ObjectId[] {
  const from = pool.consumed;
  const to = pool.consumed + amount;
  return pool.slices.filter((s) => s.size > 0 && s.start < to && s.start + s.size > from).map((s) => s.release._id);
}
