import { z } from 'zod';
import { ObjectIdSchema, RupiahSchema } from './common';
import { normalizeIndonesianPhone } from '../phone';

export const PAYOUT_METHODS = ['bank', 'gopay', 'ovo', 'dana', 'shopeepay'] as const;
export type PayoutMethod = (typeof PAYOUT_METHODS)[number];
export const PAYOUT_STATUSES = ['requested', 'approved', 'paid', 'rejected'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const PayoutAccountSchema = z.strictObject({
  /** The account holder's name as the bank or e-wallet shows it. */
  name: z.string().trim().min(1).max(100),
  number: z.string().trim().min(1).max(30),
  /** Required for bank transfers (e.g. "BCA", "BRI", "Mandiri"). */
  bankName: z.string().trim().min(2).max(50).optional(),
});

export const PayoutRequestSchema = z
  .strictObject({
    shopId: ObjectIdSchema,
    amount: RupiahSchema.min(1),
    method: z.enum(PAYOUT_METHODS),
    account: PayoutAccountSchema,
  })
  .transform((value, ctx) => {
    const account = { ...value.account };
    if (value.method === 'bank') {
      const digits = account.number.replace(/[\s-]/g, '');
      if (!/^\d{6,20}$/.test(digits)) {
        ctx.addIssue({ code: 'custom', path: ['account', 'number'], message: 'a bank account number has 6–20 digits' });
      }
      if (!account.bankName) ctx.addIssue({ code: 'custom', path: ['account', 'bankName'], message: 'which bank? (e.g. BCA, BRI)' });
      account.number = digits;
    } else {
      const phone = normalizeIndonesianPhone(account.number);
      if (!phone) {
        ctx.addIssue({ code: 'custom', path: ['account', 'number'], message: 'an e-wallet number is an Indonesian mobile number (08…)' });
      } else account.number = phone;
      if (account.bankName) ctx.addIssue({ code: 'custom', path: ['account', 'bankName'], message: 'only bank transfers have a bank name' });
    }
    return { ...value, account };
  });
export type PayoutRequestInput = z.infer<typeof PayoutRequestSchema>;

export const PayoutDecisionSchema = z
  .strictObject({
    status: z.enum(['approved', 'paid', 'rejected']),
    reference: z.string().trim().min(1).max(100).optional(),
    reason: z.string().trim().max(300).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.status === 'paid' && !value.reference) {
      ctx.addIssue({ code: 'custom', path: ['reference'], message: 'the transfer reference is required to mark a payout paid' });
    }
  });
export type PayoutDecisionInput = z.infer<typeof PayoutDecisionSchema>;

export const PayoutListQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  shopId: ObjectIdSchema.optional(),
  status: z.enum(PAYOUT_STATUSES).optional(),
});

export const PayoutSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  resellerId: z.string(),
  amount: z.number(),
  method: z.enum(PAYOUT_METHODS),
  /** The account number is masked except its last four characters. */
  account: z.object({ name: z.string(), number: z.string(), bankName: z.string().nullable() }),
  status: z.enum(PAYOUT_STATUSES),
  reference: z.string().nullable(),
  reason: z.string().nullable(),
  entryIds: z.array(z.string()),
  createdAt: z.string(),
});
export type Payout = z.infer<typeof PayoutSchema>;

/** Per shop, rupiah in each state; `reserved` is held by payouts requested or approved but not yet paid. */
export const EarningsSchema = z.object({
  shopId: z.string(),
  pending: z.number(),
  approved: z.number(),
  available: z.number(),
  reserved: z.number(),
  paid: z.number(),
});
export type Earnings = z.infer<typeof EarningsSchema>;

export const LEDGER_KINDS = ['accrue', 'approve', 'release', 'void', 'reversal', 'payout_reserve', 'payout_paid', 'payout_return'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export const LedgerEntrySchema = z.object({
  id: z.string(),
  shopId: z.string(),
  resellerId: z.string(),
  orderId: z.string().nullable(),
  payoutId: z.string().nullable(),
  kind: z.enum(LEDGER_KINDS),
  role: z.enum(['reseller', 'upline']).nullable(),
  amount: z.number(),
  deltas: z.object({ pending: z.number(), approved: z.number(), available: z.number(), reserved: z.number(), paid: z.number() }),
  base: z.number().nullable(),
  rateBp: z.number().nullable(),
  flatPerUnit: z.number().nullable(),
  bonusBp: z.number().nullable(),
  availableAt: z.string().nullable(),
  createdAt: z.string(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** What a shop owes each reseller. */
export const OwedSchema = EarningsSchema.extend({ resellerId: z.string(), resellerName: z.string() });
export type Owed = z.infer<typeof OwedSchema>;
