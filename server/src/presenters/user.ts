import type { User } from '@tular/shared';
import type { UserDoc } from '../models/User';

export function presentUser(user: UserDoc): User {
  return {
    id: user.id as string,
    name: user.name,
    email: user.email,
    phone: user.phone,
    role: user.role,
    ...(user.segment ? { segment: user.segment } : {}),
    ...(user.uplineId ? { uplineId: String(user.uplineId) } : {}),
    ...(user.role === 'reseller' ? { inviteCode: user.inviteCode } : {}),
  };
}
