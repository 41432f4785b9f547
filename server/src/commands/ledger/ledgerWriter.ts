import mongoose from 'mongoose';
import type { LedgerKind } from '@tular/shared';
import { LedgerEntryModel, type LedgerEntryDoc, type LedgerEntryFields } from '../../models/LedgerEntry';
import { LedgerTipModel } from '../../models/LedgerTip';
import { withLocalQueue, withWriteLock } from '../../db/writeLock';
import { insertNew } from '../../db/groupCommit';
import { ServiceUnavailableError, isDuplicateKeyError } from '../../lib/errors';
import { raiseTipHint } from './tipHints';

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

export type LedgerRow = LedgerEntryFields & { _id: mongoose.Types.ObjectId };

export interface Account {
  resellerId: mongoose.Types.ObjectId | string;
  shopId: mongoose.Types.ObjectId | string;
}

export interface Appended {
  entry: LedgerEntryDoc | null;
  /** false: the key was already taken (a replay or a competing transition), or `decide` wrote nothing. */
  created: boolean;
}

const MAX_ATTEMPTS = 40;

/** This instance's last known seat per account (bounded; only ever an existing seat, so never ahead of the tip). */
class KnownTips {
  private readonly seats = new Map<string, number>();
  constructor(private readonly max: number) {}

  get(id: string): number | undefined {
    return this.seats.get(id);
  }

  remember(id: string, seq: number): void {
    const known = this.seats.get(id) ?? 0;
    this.seats.delete(id);
    this.seats.set(id, Math.max(known, seq));
    if (this.seats.size > this.max) this.seats.delete(this.seats.keys().next().value as string);
  }

  clear(): void {
    this.seats.clear();
  }
}
const tips = new KnownTips(100_000);

/** Forgets this instance's known seats (tests: what a restarted instance knows). */
export function forgetKnownTips(): void {
  tips.clear();
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Every entry of one (reseller, shop) account takes the next seat of that account's sequence
 * (unique `seq`), so the account's entries form one total order. A writer reads the account, decides
 * and inserts at seat n+1; if anybody wrote in between, that seat is taken, the insert fails and the
 * writer reads and decides again. A decision that depends on the balance (a payout reserve, whether a
 * refund voids or reverses) therefore never acts on a stale balance — on MongoDB without
 * transactions or locks, and on every instance. On FerretDB the balance write lock additionally
 * queues writers so they rarely collide.
 */
async function appendAt(account: Account, decide: (history: LedgerRow[]) => NewEntry | null, withHistory: boolean): Promise<Appended> {
  const resellerId = String(account.resellerId);
  const shopId = String(account.shopId);
  const tipId = `${resellerId}:${shopId}`;
  // Whole-history decisions hold the account's lock (one decider at a time on every instance); a
  // plain append only queues behind this instance's writers — its seat's unique index keeps it exact.
  const serialize = withHistory ? withWriteLock : withLocalQueue;
  return serialize(`balance:${resellerId}:${shopId}`, async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await sleep(Math.min(40, attempt * 3) * Math.random());
      let history: LedgerRow[] = [];
      let last: number;
      if (withHistory) {
        history = await LedgerEntryModel.find({ resellerId, shopId }).sort({ seq: 1 }).lean<LedgerRow[]>();
        // A read that overlapped inserts may hold seat n but miss an earlier one: read again.
        if (history.some((e, i) => e.seq !== i + 1)) continue;
        last = history.length;
      } else if (attempt === 0) {
        // A seat known to be taken (≤ the tip): this instance's last one, else the stored hint.
        last = tips.get(tipId) ?? (await LedgerTipModel.findById(tipId, { seq: 1 }).lean())?.seq ?? 0;
      } else {
        // That seat's successor was taken (another instance, or a hint left behind by a crash): read the tip.
        last = (await LedgerEntryModel.findOne({ resellerId, shopId }, { seq: 1 }).sort({ seq: -1 }).lean())?.seq ?? 0;
        raiseTip(tipId, last);
      }
      const next = decide(history);
      if (!next) return { entry: null, created: false };
      if (String(next.resellerId) !== resellerId || String(next.shopId) !== shopId) throw new Error('ledger entry written to another account');
      let entry: LedgerEntryDoc;
      try {
        entry = await insertNew(new LedgerEntryModel({ ...next, seq: last + 1 }));
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Which unique index refused it? FerretDB does not say, so ask the idempotency key.
        const existing = await LedgerEntryModel.findOne({ idempotencyKey: next.idempotencyKey });
        if (existing) return { entry: existing, created: false };
        continue;
      }
      raiseTip(tipId, last + 1);
      return { entry, created: true };
    }
    throw new ServiceUnavailableError('BUSY', 'This balance is changing too often at once; please retry');
  });
}

/** Raises the account's tip hint to `seq`, a seat that exists (written behind: tipHints). */
function raiseTip(tipId: string, seq: number): void {
  if (seq < 1) return;
  tips.remember(tipId, seq);
  raiseTipHint(tipId, seq);
}

/** Appends one entry at the account's next seat; the unique idempotency key makes a replay a no-op. */
export function appendEntry(entry: NewEntry): Promise<Appended> {
  return appendAt(entry, () => entry, false);
}

/**
 * Appends the entry `decide` makes from the account's whole history (in seat order), or nothing when
 * it returns null. `decide` may throw to refuse (e.g. insufficient balance). It runs again whenever a
 * concurrent write took the seat, so it must be a pure function of the history.
 */
export function appendGuarded(account: Account, decide: (history: LedgerRow[]) => NewEntry | null): Promise<Appended> {
  return appendAt(account, decide, true);
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

/**
 * Sets every account's tip hint from its entries (a deployment whose ledger predates the hints;
 * without it each account's first append reads its tip once). Safe while the service runs: `$max`.
 */
export async function backfillLedgerTips(): Promise<number> {
  const tips = new Map<string, number>();
  for await (const e of LedgerEntryModel.find({}, { resellerId: 1, shopId: 1, seq: 1 }).lean().cursor()) {
    const id = `${String(e.resellerId)}:${String(e.shopId)}`;
    tips.set(id, Math.max(tips.get(id) ?? 0, e.seq));
  }
  const ops = [...tips].map(([id, seq]) => ({ updateOne: { filter: { _id: id }, update: { $max: { seq } }, upsert: true } }));
  // At most 32 statements per update command: FerretDB hangs on large ones.
  for (let i = 0; i < ops.length; i += 32) await LedgerTipModel.bulkWrite(ops.slice(i, i + 32), { ordered: false });
  return tips.size;
}
