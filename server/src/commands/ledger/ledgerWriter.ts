import mongoose from 'mongoose';
import type { LedgerKind } from '@tular/shared';
import { LedgerEntryModel, type LedgerEntryDoc } from '../../models/LedgerEntry';
import { isDuplicateKeyError } from '../../lib/errors';

export const BUCKETS = ['pending', 'approved', 'available', 'reserved', 'paid'] as const;
export type Bucket = (typeof BUCKETS)[number];
export type Deltas = Partial<Record<Bucket, number>>;

export interface NewEntry {
  _id?: mongoose.Types.ObjectId;
  resellerId: mongoose.Types.ObjectId | string;
  shopId: mongoose.Types.ObjectId | string;
  orderId?: mongoose.Types.ObjectId | string | null;
  payoutId?: mongoose.Types.ObjectId | string | null;
  kind: LedgerKind;
  role?: 'reseller' | 'upline' | null;
  amount: number;
  deltas: Deltas;
  base?: number | null;
  rateBp?: number | null;
  flatPerUnit?: number | null;
  bonusBp?: number | null;
  availableAt?: Date | null;
  idempotencyKey: string;
}

/**
 * Appends one entry; the unique idempotency key makes a replay a no-op. Returns the entry and
 * whether this call wrote it (false: the key was already taken — by a replay or a competing transition).
 */
export async function appendEntry(entry: NewEntry): Promise<{ entry: LedgerEntryDoc | null; created: boolean }> {
  try {
    const doc = await LedgerEntryModel.create(entry);
    return { entry: doc, created: true };
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return { entry: await LedgerEntryModel.findOne({ idempotencyKey: entry.idempotencyKey }), created: false };
  }
}

export type Balance = Record<Bucket, number>;
export const emptyBalance = (): Balance => ({ pending: 0, approved: 0, available: 0, reserved: 0, paid: 0 });

/** Folds entries into bucket totals: the reference computation the aggregate must agree with. */
export function sumEntries(entries: ReadonlyArray<{ deltas?: Partial<Record<Bucket, number | null>> | null }>): Balance {
  const total = emptyBalance();
  for (const e of entries) for (const b of BUCKETS) total[b] += e.deltas?.[b] ?? 0;
  return total;
}

/**
 * Bucket totals grouped by shop or by reseller. Summed here rather than with $group: FerretDB v1
 * returned 0 for every $sum accumulator after the first in one $group (measured), and the balance
 * must be the same whichever engine computes it.
 */
export async function balancesBy(
  match: { resellerId?: mongoose.Types.ObjectId; shopId?: mongoose.Types.ObjectId },
  by: 'shopId' | 'resellerId',
): Promise<Map<string, Balance>> {
  const out = new Map<string, Balance>();
  const cursor = LedgerEntryModel.find(match, { deltas: 1, shopId: 1, resellerId: 1 }).lean().cursor();
  for await (const e of cursor) {
    const id = String(e[by]);
    const total = out.get(id) ?? emptyBalance();
    for (const b of BUCKETS) total[b] += e.deltas?.[b] ?? 0;
    out.set(id, total);
  }
  return out;
}

export async function balanceOf(resellerId: string, shopId: string): Promise<Balance> {
  const entries = await LedgerEntryModel.find({ resellerId, shopId }, { deltas: 1 }).lean();
  return sumEntries(entries);
}
