import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/** A chain of rotated refresh tokens from one sign-in; revoking it signs that device out. */
const refreshFamilySchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    revokedAt: { type: Date, default: null },
    revokedReason: { type: String },
  },
  { timestamps: true },
);
refreshFamilySchema.index({ userId: 1 });

/** Stored as a SHA-256 hash only; the raw token exists only in the client's hands. */
const refreshTokenSchema = new Schema(
  {
    tokenHash: { type: String, required: true },
    familyId: { type: Schema.Types.ObjectId, ref: 'RefreshFamily', required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    usedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true },
);
refreshTokenSchema.index({ tokenHash: 1 }, { unique: true });
refreshTokenSchema.index({ familyId: 1 });

export type RefreshTokenFields = InferSchemaType<typeof refreshTokenSchema>;
export type RefreshFamilyFields = InferSchemaType<typeof refreshFamilySchema>;
export const RefreshFamilyModel = mongoose.model('RefreshFamily', refreshFamilySchema);
export const RefreshTokenModel = mongoose.model('RefreshToken', refreshTokenSchema);
