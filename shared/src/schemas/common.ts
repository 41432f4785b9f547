import { z } from 'zod';
import { normalizeIndonesianPhone } from '../phone';

/** Object ids travel as 24-hex strings; anything else is a 400 before it reaches a query. */
export const ObjectIdSchema = z.string().regex(/^[a-f0-9]{24}$/i, 'must be an id');

export const IdParamsSchema = z.strictObject({ id: ObjectIdSchema });

export const RupiahSchema = z.number().int('must be whole rupiah').min(0).max(1_000_000_000_000);
export const BasisPointsSchema = z.number().int('must be whole basis points').min(0).max(10_000);

export const IndonesianPhoneSchema = z
  .string()
  .max(20)
  .transform((value, ctx) => {
    const normalized = normalizeIndonesianPhone(value);
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: 'must be an Indonesian mobile number (08…, 628… or +628…)' });
      return z.NEVER;
    }
    return normalized;
  });

export const CursorQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export interface Page {
  next: string | null;
}
