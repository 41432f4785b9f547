import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';

const reviewSchema = new Schema(
  {
    productId: { type: Schema.Types.ObjectId, ref: 'Product', required: true },
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    orderId: { type: Schema.Types.ObjectId, ref: 'Order', default: null },
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    author: { type: String, enum: ['buyer', 'reseller'], required: true },
    authorName: { type: String, required: true },
    rating: { type: Number, required: true, min: 1, max: 5 },
    text: { type: String, required: true },
    verifiedPurchase: { type: Boolean, default: false },
    hidden: { type: Boolean, default: false },
    /** One review per order (`order:<id>`) and per reseller and product (`reseller:<id>:<product>`). */
    dedupeKey: { type: String, required: true },
  },
  { timestamps: true },
);
reviewSchema.index({ dedupeKey: 1 }, { unique: true });
reviewSchema.index({ productId: 1, _id: -1 });

export type ReviewFields = InferSchemaType<typeof reviewSchema>;
export type ReviewDoc = HydratedDocument<ReviewFields>;
export const ReviewModel = mongoose.model('Review', reviewSchema);
