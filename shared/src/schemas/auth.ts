import { z } from 'zod';
import { ROLES, SEGMENTS } from '../enums';
import { IndonesianPhoneSchema } from './common';

export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email('must be an email address'));

export const PasswordSchema = z.string().min(8, 'must be at least 8 characters').max(200);

export const AuthRegisterSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    email: EmailSchema,
    phone: IndonesianPhoneSchema,
    password: PasswordSchema,
    role: z.enum(['owner', 'reseller']),
    segment: z.enum(SEGMENTS).optional(),
    invite: z.string().trim().min(4).max(32).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.role === 'reseller' && !value.segment) {
      ctx.addIssue({ code: 'custom', path: ['segment'], message: 'a reseller picks buzzer, influencer or follower' });
    }
    if (value.role === 'owner' && value.segment) {
      ctx.addIssue({ code: 'custom', path: ['segment'], message: 'only resellers have a segment' });
    }
    if (value.role === 'owner' && value.invite) {
      ctx.addIssue({ code: 'custom', path: ['invite'], message: 'invites are for resellers' });
    }
  });
export type AuthRegisterInput = z.infer<typeof AuthRegisterSchema>;

export const AuthLoginSchema = z.strictObject({
  email: EmailSchema,
  password: z.string().min(1).max(200),
});
export type AuthLoginInput = z.infer<typeof AuthLoginSchema>;

export const AuthRefreshSchema = z.strictObject({
  refreshToken: z.string().min(10).max(200),
});
export type AuthRefreshInput = z.infer<typeof AuthRefreshSchema>;

export const UserSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  role: z.enum(ROLES),
  segment: z.enum(SEGMENTS).optional(),
  uplineId: z.string().optional(),
  inviteCode: z.string().optional(),
});
export type User = z.infer<typeof UserSchema>;

export const AuthSessionSchema = z.object({
  user: UserSchema,
  accessToken: z.string(),
  refreshToken: z.string(),
});
export type AuthSession = z.infer<typeof AuthSessionSchema>;
