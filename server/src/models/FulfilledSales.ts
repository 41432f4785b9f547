import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/**
 * A reseller's fulfilled attributed sales in one shop, per UTC calendar month of `fulfilledAt`:
 * `_id` = `<shopId>:<resellerId>:<YYYY-MM>`, one entry per order keyed by the order id. The volume
 * tier and the upline's "fulfilled own sale this month" read the one or two documents that cover
 * the shop's local month by `_id` and keep the entries fulfilled inside it — the same figures as a
 * query over the orders, in whatever time zone the shop has now, without scanning them.
 * A refund replaces the entry with `refunded: true` (which no later re-applied fulfilment
 * overwrites), so both effects are idempotent and commute.
 */
const saleSchema = new Schema(
  {
    at: { type: Date, required: true },
    total: { type: Number, required: true },
    refunded: { type: Boolean },
  },
  { _id: false },
);

const fulfilledSalesSchema = new Schema(
  {
    _id: { type: String, required: true },
    shopId: { type: Schema.Types.ObjectId, ref: 'Shop', required: true },
    resellerId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** UTC `YYYY-MM`. */
    month: { type: String, required: true },
    orders: { type: Map, of: saleSchema, default: {} },
  },
  { versionKey: false },
);

export type FulfilledSalesFields = InferSchemaType<typeof fulfilledSalesSchema>;
export const FulfilledSalesModel = mongoose.model('FulfilledSales', fulfilledSalesSchema, 'fulfilled_sales');
