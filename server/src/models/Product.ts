import mongoose, { Schema, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CAPTION_LANGS } from '@tular/shared';
import { commissionRulesSchema } from './Shop';

const captionSchema = new Schema({ lang: { type: String, enum: CAPTION_LANGS, required: true }, text: { type: String, required: true } }, { _id: false });

const productSchema = new Schema(
  {
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    category: { type: String, default: '' },
    /** Integer rupiah. */
    price: { type: Number, required: true, min: 1, validate: { validator: Number.isSafeInteger, message: 'price must be whole rupiah' } },
    /** Production capacity left; orders reserve from it under a write lock and never take it below 0. */
    stock: { type: Number, required: true, min: 0, validate: { validator: Number.isSafeInteger, message: 'stock must be whole' } },
    /** GridFS file ids (bucket `photos`), in display order. */
    photoIds: { type: [Schema.Types.ObjectId], default: [] },
    /** Override of the shop's commission defaults; absent means the shop's rules apply. */
    commission: { type: commissionRulesSchema, required: false },
    marketplace: {
      shopee: String,
      tokopedia: String,
      lazada: String,
      tiktok: String,
    },
    active: { type: Boolean, default: true },
    creativeKit: {
      captions: { type: [captionSchema], default: [] },
      photoIds: { type: [Schema.Types.ObjectId], default: [] },
    },
    /** Maintained by the reviews feature; average = ratingSum / ratingCount. */
    ratingSum: { type: Number, default: 0 },
    ratingCount: { type: Number, default: 0 },
  },
  { timestamps: true },
);
productSchema.index({ shopId: 1, _id: -1 });
productSchema.index({ shopId: 1, active: 1, _id: -1 });

export type ProductFields = InferSchemaType<typeof productSchema>;
export type ProductDoc = HydratedDocument<ProductFields>;
export const ProductModel = mongoose.model('Product', productSchema);

/**
 * FerretDB v1 rewrites the whole document on every update, so concurrent writes to one product
 * (stock reservations, rating counters, owner edits, photo uploads) must share this lock key.
 */
export function productLockKey(productId: string): string {
  return `product:${productId}`;
}
