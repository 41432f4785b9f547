import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/**
 * A shop's conversion-API signing secret. HMAC verification needs the secret itself, so it is kept
 * encrypted (AES-256-GCM, key derived from COOKIE_SECRET) rather than hashed; shown once on rotation.
 */
const conversionSecretSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    ciphertext: { type: String, required: true },
    rotatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type ConversionSecretFields = InferSchemaType<typeof conversionSecretSchema>;
export const ConversionSecretModel = mongoose.model('ConversionSecret', conversionSecretSchema);
