import type mongoose from 'mongoose';
import { UserModel } from '../../models/User';

export interface FixedContact {
  phone: string;
  uplineId: mongoose.Types.ObjectId | null;
}

const MAX = 50_000;
const known = new Map<string, FixedContact>();

/**
 * A user's phone and upline, which are set at registration and never change (nothing updates them,
 * and users are not deleted), so what was read once is remembered here without invalidation —
 * bounded, least recently used dropped first. The checkout's self-referral and team checks read them
 * for every attributed sale. null: no such user (not remembered: an id may be registered later).
 */
export async function fixedContactOf(id: mongoose.Types.ObjectId): Promise<FixedContact | null> {
  const key = String(id);
  const hit = known.get(key);
  if (hit) {
    known.delete(key);
    known.set(key, hit);
    return hit;
  }
  const user = await UserModel.findById(id, { phone: 1, uplineId: 1 }).lean();
  if (!user) return null;
  const contact = { phone: user.phone, uplineId: user.uplineId ?? null };
  known.set(key, contact);
  if (known.size > MAX) known.delete(known.keys().next().value as string);
  return contact;
}
