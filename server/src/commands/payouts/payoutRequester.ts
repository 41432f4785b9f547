import mongoose from 'mongoose';
import type { PayoutRequestInput } from '@tular/shared';
import { PayoutModel, type PayoutDoc } from '../../models/Payout';
import { ShopModel } from '../../models/Shop';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { withWriteLock } from '../../db/writeLock';
import { BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../../lib/errors';
import { formatRupiah } from '@tular/shared';
import type { AppDeps } from '../../appDeps';
import { appendEntry, sumEntries } from '../ledger/ledgerWriter';

/**
 * Reserves a payout from one shop's available balance. Two guards: the balance write lock (which
 * serializes requests on FerretDB) and, on every engine, a per-account sequence in the reserve
 * entry's unique key (`payout-seq:<reseller>:<shop>:<n>`): a request that read a balance without a
 * concurrent reserve cannot also take seat n, so it re-reads and checks again. Available therefore
 * never goes below zero through a payout, however many arrive at once or on however many instances.
 */
export async function requestPayout(deps: Pick<AppDeps, 'bus'>, resellerId: string, input: PayoutRequestInput): Promise<PayoutDoc> {
  const shop = await ShopModel.findById(input.shopId, { minPayout: 1 }).lean();
  if (!shop) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
  const minPayout = shop.minPayout ?? 10_000;
  if (input.amount < minPayout) {
    throw new BadRequestError('PAYOUT_BELOW_MINIMUM', `The minimum payout for this shop is ${formatRupiah(minPayout)}`, {
      minPayout,
      issues: [{ path: 'body.amount', message: `at least ${minPayout}` }],
    });
  }
  const reseller = new mongoose.Types.ObjectId(resellerId);
  const shopId = new mongoose.Types.ObjectId(input.shopId);
  const payoutId = new mongoose.Types.ObjectId();

  const reserve = await withWriteLock(`balance:${resellerId}:${input.shopId}`, async () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const entries = await LedgerEntryModel.find({ resellerId: reseller, shopId }, { deltas: 1, kind: 1, amount: 1 }).sort({ _id: 1 }).lean();
      const balance = sumEntries(entries);
      if (balance.available < input.amount) {
        throw new ConflictError('INSUFFICIENT_BALANCE', `Only ${formatRupiah(Math.max(0, balance.available))} is available to withdraw`, {
          available: Math.max(0, balance.available),
        });
      }
      const seq = entries.filter((e) => e.kind === 'payout_reserve').length + 1;
      const { entry, created } = await appendEntry({
        resellerId: reseller,
        shopId,
        payoutId,
        kind: 'payout_reserve',
        amount: 0,
        deltas: { available: -input.amount, reserved: input.amount },
        idempotencyKey: `payout-seq:${resellerId}:${input.shopId}:${seq}`,
      });
      if (created && entry) return { entry, drawnFrom: releasesCovered(entries, input.amount) };
    }
    throw new ServiceUnavailableError('BUSY', 'Too many payout requests at once; please retry');
  });

  const payout = await PayoutModel.create({
    _id: payoutId,
    resellerId: reseller,
    shopId,
    amount: input.amount,
    method: input.method,
    account: { name: input.account.name, number: input.account.number, bankName: input.account.bankName ?? null },
    status: 'requested',
    entryIds: [...reserve.drawnFrom, reserve.entry._id],
    statusHistory: [{ status: 'requested', at: new Date() }],
  });
  deps.bus.emit('payout', { payoutId: String(payout._id), shopId: input.shopId, resellerId, status: 'requested', amount: input.amount, at: new Date() });
  return payout;
}

type Row = { _id: mongoose.Types.ObjectId; kind: string; deltas?: { available?: number | null; reserved?: number | null } | null };

/**
 * Traceability: the releases (oldest first) this payout draws on. Earlier payouts (reserves net of
 * returns) consumed the oldest ones; this one takes the next `amount` rupiah of released commission.
 */
function releasesCovered(entries: Row[], amount: number): mongoose.Types.ObjectId[] {
  let consumed = 0;
  for (const e of entries) {
    if (e.kind === 'payout_reserve') consumed += e.deltas?.reserved ?? 0;
    if (e.kind === 'payout_return') consumed -= e.deltas?.available ?? 0;
  }
  const covered: mongoose.Types.ObjectId[] = [];
  let position = 0;
  for (const e of entries) {
    if (e.kind !== 'release') continue;
    const size = e.deltas?.available ?? 0;
    const start = position;
    position += size;
    if (position > consumed && start < consumed + amount) covered.push(e._id);
    if (position >= consumed + amount) break;
  }
  return covered;
}
