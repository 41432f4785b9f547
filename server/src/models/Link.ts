import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CHANNELS, LINK_DESTINATIONS } from '@tular/shared';

const linkSchema = new Schema(
  {
    code: { type: String, required: true },
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    /** Absent for a whole-shop link. */
    productId: { type: Schema.Types.ObjectId, ref: 'Product' },
    channel: { type: String, enum: CHANNELS, required: true, default: 'other' },
    destination: { type: String, enum: LINK_DESTINATIONS, required: true, default: 'page' },
    active: { type: Boolean, required: true, default: true },
    /**
     * reseller:shop:product|shop:channel:destination — the same request twice yields the same link.
     * Never null: FerretDB (SQLite) and MongoDB disagree on how unique indexes treat missing values.
     */
    scopeKey: { type: String, required: true },
  },
  { timestamps: true },
);
linkSchema.index({ code: 1 }, { unique: true });
linkSchema.index({ scopeKey: 1 }, { unique: true });
linkSchema.index({ resellerId: 1, _id: -1 });
linkSchema.index({ shopId: 1, productId: 1 });

export function linkScopeKey(p: { resellerId: string; shopId: string; productId?: string; channel: string; destination: string }): string {
  return [p.resellerId, p.shopId, p.productId ?? 'shop', p.channel, p.destination].join(':');
}

export type LinkFields = InferSchemaType<typeof linkSchema>;
export type LinkDoc = HydratedDocument<LinkFields>;
export const LinkModel = mongoose.model('Link', linkSchema);
