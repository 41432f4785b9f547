import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { MEMBERSHIP_STATUSES, SEGMENTS } from '@tular/shared';

const membershipSchema = new Schema({
  shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
  resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  status: { type: String, enum: MEMBERSHIP_STATUSES, required: true },
  /** Copied from the reseller at join time so rates do not shift under past sales. */
  segment: { type: String, enum: SEGMENTS, required: true },
  joinedAt: { type: Date, required: true, default: () => new Date() },
  decidedAt: { type: Date },
});
// One membership per reseller and shop: concurrent joins collapse onto this index on every engine.
membershipSchema.index({ shopId: 1, resellerId: 1 }, { unique: true });
membershipSchema.index({ shopId: 1, status: 1, _id: -1 });
membershipSchema.index({ resellerId: 1, _id: -1 });

export type MembershipFields = InferSchemaType<typeof membershipSchema>;
export type MembershipDoc = HydratedDocument<MembershipFields>;
export const MembershipModel = mongoose.model('Membership', membershipSchema);
