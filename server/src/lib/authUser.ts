import type { Role } from '@tular/shared';

/** Who is calling, as proven by the access token. */
export interface AuthUser {
  id: string;
  role: Role;
}
