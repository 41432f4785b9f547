import type { AuthRegisterInput } from '@tular/shared';
import { UserModel, type UserDoc } from '../../models/User';
import { BadRequestError, ConflictError, isDuplicateKeyError } from '../../lib/errors';
import { hashPassword } from '../../lib/password';
import { inviteCode } from '../../lib/codes';

const inviteRefused = (message: string, detail: string): BadRequestError =>
  new BadRequestError('INVITE_INVALID', message, [{ path: 'body.invite', message: detail }]);

/**
 * Creates an owner or reseller; an invite code makes its reseller the new reseller's upline.
 * No cycles: `uplineId` is set only here, once, on an account that does not exist yet (so it has
 * no downline), pointing at an existing reseller; nothing ever changes it afterwards.
 */
export async function registerUser(input: AuthRegisterInput, passwordCost: number): Promise<UserDoc> {
  let uplineId: UserDoc['_id'] | undefined;
  if (input.invite) {
    const inviter = await UserModel.findOne({ inviteCode: String(input.invite) });
    if (!inviter) throw inviteRefused('This invite code does not belong to a reseller', 'unknown invite code');
    // Owners and admins have codes too (every account does), but only a reseller can be an upline.
    if (inviter.role !== 'reseller') throw inviteRefused('This invite code does not belong to a reseller', 'not a reseller’s invite code');
    // Phones are normalised (+62…) by the schema, so any spelling of the same number matches.
    if (inviter.phone === input.phone || inviter.email === input.email) {
      throw inviteRefused('You cannot invite yourself', 'self-invite: the inviter has the same phone number');
    }
    uplineId = inviter._id;
  }
  const passwordHash = await hashPassword(input.password, passwordCost);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await UserModel.create({
        name: input.name,
        email: input.email,
        phone: input.phone,
        passwordHash,
        role: input.role,
        segment: input.role === 'reseller' ? input.segment : undefined,
        uplineId,
        inviteCode: inviteCode(),
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // FerretDB v1 does not say which unique index fired, so look for the clash that exists.
      if (await UserModel.exists({ email: input.email })) {
        throw new ConflictError('EMAIL_TAKEN', 'An account with this email already exists', [{ path: 'body.email', message: 'already registered' }]);
      }
      if (await UserModel.exists({ phone: input.phone, role: input.role })) {
        throw new ConflictError('PHONE_TAKEN', `A ${input.role} account with this phone number already exists`, [
          { path: 'body.phone', message: `already registered for a ${input.role} account` },
        ]);
      }
      if (attempt >= 3) throw err; // invite code clashed repeatedly; astronomically unlikely
    }
  }
}
