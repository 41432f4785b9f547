import { z } from 'zod';
import { AuthRegisterSchema } from '@tular/shared';
import { loadConfig } from '../config/env';
import { withServiceDatabase } from './withServiceDatabase';
import { UserModel } from '../models/User';
import { hashPassword } from '../lib/password';
import { inviteCode } from '../lib/codes';

/**
 * Admins cannot register over the API. `npm run admin:create -w @tular/server -- <email> <phone> <name>`
 * with the password in ADMIN_PASSWORD (never on the command line, where `ps` shows it).
 */
async function main(): Promise<void> {
  const [email, phone, ...nameParts] = process.argv.slice(2);
  const input = AuthRegisterSchema.parse({
    name: nameParts.join(' ') || 'Admin',
    email,
    phone,
    password: z.string().min(12, 'ADMIN_PASSWORD must be at least 12 characters').parse(process.env.ADMIN_PASSWORD ?? ''),
    role: 'owner',
  });
  const config = loadConfig();
  await withServiceDatabase(config, async () => {
    const user = await UserModel.create({
      name: input.name,
      email: input.email,
      phone: input.phone,
      passwordHash: await hashPassword(input.password, config.passwordHashCost),
      role: 'admin',
      inviteCode: inviteCode(),
    });
    console.log(`admin ${user.email} created (${user.id})`);
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
