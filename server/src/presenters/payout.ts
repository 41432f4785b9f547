import type { LedgerEntry, Payout } from '@tular/shared';
import type { PayoutDoc } from '../models/Payout';
import type { LedgerEntryDoc } from '../models/LedgerEntry';

/** Only the last four characters of an account number ever leave the server in a list. */
export function maskAccountNumber(number: string): string {
  return number.length <= 4 ? number : `${'•'.repeat(Math.min(8, number.length - 4))}${number.slice(-4)}`;
}

export function presentPayout(payout: PayoutDoc, opts: { fullAccount?: boolean } = {}): Payout {
  return {
    id: String(payout._id),
    shopId: String(payout.shopId),
    resellerId: String(payout.resellerId),
    amount: payout.amount,
    method: payout.method,
    account: {
      name: payout.account?.name ?? '',
      number: opts.fullAccount ? (payout.account?.number ?? '') : maskAccountNumber(payout.account?.number ?? ''),
      bankName: payout.account?.bankName ?? null,
    },
    // `requesting` is internal and never listed; its reserve may be booked, so the nearest public state.
    status: payout.status === 'requesting' ? 'requested' : payout.status,
    reference: payout.reference ?? null,
    reason: payout.reason ?? null,
    entryIds: (payout.entryIds ?? []).map(String),
    createdAt: (payout.createdAt ?? new Date(0)).toISOString(),
  };
}

export function presentLedgerEntry(e: LedgerEntryDoc): LedgerEntry {
  const d = e.deltas;
  return {
    id: String(e._id),
    shopId: String(e.shopId),
    resellerId: String(e.resellerId),
    orderId: e.orderId ? String(e.orderId) : null,
    payoutId: e.payoutId ? String(e.payoutId) : null,
    kind: e.kind,
    role: (e.role as LedgerEntry['role']) ?? null,
    amount: e.amount,
    deltas: { pending: d?.pending ?? 0, approved: d?.approved ?? 0, available: d?.available ?? 0, reserved: d?.reserved ?? 0, paid: d?.paid ?? 0 },
    base: e.base ?? null,
    rateBp: e.rateBp ?? null,
    flatPerUnit: e.flatPerUnit ?? null,
    bonusBp: e.bonusBp ?? null,
    availableAt: e.availableAt ? e.availableAt.toISOString() : null,
    createdAt: (e.createdAt ?? new Date(0)).toISOString(),
  };
}
