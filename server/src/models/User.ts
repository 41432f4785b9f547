import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { ROLES, SEGMENTS } from '@tular/shared';

const userSchema = new Schema(
  {
    name: { type: String, required: true },
    email: { type: String, required: true },
    /** Fixed at registration, like uplineId: commands/auth/fixedContact remembers both without invalidation. */
    phone: { type: String, required: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true },
    segment: { type: String, enum: SEGMENTS },
    uplineId: { type: Schema.Types.ObjectId, ref: 'User' },
    /** Resellers share this code to bring their downline. */
    inviteCode: { type: String, required: true },
    /** Resellers may hide themselves from the public leaderboard. */
    leaderboardOptOut: { type: Boolean, default: false },
  },
  { timestamps: true },
);
userSchema.index({ email: 1 }, { unique: true });
// Every user gets a code (FerretDB v1 has no sparse or partial unique indexes to skip missing ones).
userSchema.index({ inviteCode: 1 }, { unique: true });
// One account per phone and role: a second reseller account on the same phone could invite itself
// and earn upline commission on its own sales. An owner may still resell under the same number.
userSchema.index({ phone: 1, role: 1 }, { unique: true });
userSchema.index({ uplineId: 1 });

export type UserFields = InferSchemaType<typeof userSchema>;
export type UserDoc = HydratedDocument<UserFields>;
export const UserModel = mongoose.model('User', userSchema);
