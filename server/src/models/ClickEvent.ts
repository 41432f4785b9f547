import mongoose, { Schema, type InferSchemaType, type Types } from 'mongoose';
import { CHANNELS } from '@tular/shared';

export const CLICK_KINDS = ['click', 'preview', 'bot'] as const;
export type ClickKind = (typeof CLICK_KINDS)[number];

/**
 * One raw visit to `/r/:code`, written in batches by the click buffer with a client-made `_id` so a
 * retried batch cannot store a click twice. Kept for CLICK_RETENTION_DAYS; the rollups keep the counts.
 * Privacy: `ipHash` and `visitorHash` are salted HMACs — the raw IP never reaches the database.
 */
const clickEventSchema = new Schema(
  {
    linkId: { type: Schema.Types.ObjectId, ref: 'Link', required: true },
    code: { type: String, required: true },
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    productId: { type: Schema.Types.ObjectId, ref: 'Product', default: null },
    /** Null when the click earns nobody (reseller blocked or not yet approved). */
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    kind: { type: String, enum: CLICK_KINDS, required: true },
    unique: { type: Boolean, required: true },
    visitorHash: { type: String, default: null },
    ipHash: { type: String, required: true },
    device: { type: String, required: true },
    os: { type: String, required: true },
    browser: { type: String, required: true },
    referrerHost: { type: String, default: null },
    utm: {
      source: { type: String },
      medium: { type: String },
      campaign: { type: String },
      content: { type: String },
      term: { type: String },
    },
    channel: { type: String, enum: CHANNELS, required: true },
    viaQr: { type: Boolean, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
// The retention purge deletes by age.
clickEventSchema.index({ at: 1 });
clickEventSchema.index({ linkId: 1, at: 1 });

export type ClickEventFields = InferSchemaType<typeof clickEventSchema>;
/** The shape the buffer inserts directly through the driver (no per-document Mongoose casting on the hot path). */
export interface ClickEventRecord {
  _id: Types.ObjectId;
  linkId: Types.ObjectId;
  code: string;
  shopId: Types.ObjectId;
  productId: Types.ObjectId | null;
  resellerId: Types.ObjectId | null;
  kind: ClickKind;
  unique: boolean;
  visitorHash?: string | null;
  ipHash: string;
  device: string;
  os: string;
  browser: string;
  referrerHost?: string | null;
  utm?: Partial<Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string>>;
  channel: (typeof CHANNELS)[number];
  viaQr: boolean;
  at: Date;
}
export const ClickEventModel = mongoose.model('ClickEvent', clickEventSchema);
