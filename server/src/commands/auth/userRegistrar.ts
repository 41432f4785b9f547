import type { AuthRegisterInput } from '@tular/shared';
import { UserModel, type UserDoc } from '../../models/User';
import { BadRequestError, ConflictError, isDuplicateKeyError } from '../../lib/errors';
import { hashPassword } from '../../lib/password';
import { inviteCode } from '../../lib/codes';

/** Creates an owner or reseller; an invite code makes its reseller the new reseller's upline. */
export async function registerUser(input: AuthRegisterInput, passwordCost: number): Promise<UserDoc> {
  let uplineId: UserDoc['_id'] | undefined;
  if (input.invite) {
    const inviter = await UserModel.findOne({ inviteCode: String(input.invite) });
    if (!inviter || inviter.role !== 'reseller') {
      throw new BadRequestError('INVITE_INVALID', 'This invite code does not belong to a reseller', [{ path: 'body.invite', message: 'unknown invite code' }]);
    }
    if (inviter.email === input.email) {
      throw new BadRequestError('INVITE_INVALID', 'You cannot invite yourself', [{ path: 'body.invite', message: 'self-invite' }]);
    }
    // A brand-new account has no downline, so linking it under an existing chain cannot form a cycle.
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
      if (await UserModel.exists({ email: input.email })) {
        throw new ConflictError('EMAIL_TAKEN', 'An account with this email already exists', [{ path: 'body.email', message: 'already registered' }]);
      }
      if (attempt >= 3) throw err; // invite code clashed repeatedly; astronomically unlikely
    }
  }
}
