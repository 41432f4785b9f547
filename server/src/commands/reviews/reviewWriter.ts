import type mongoose from 'mongoose';
import type { ReviewCreateInput } from '@tular/shared';
import { ReviewModel, type ReviewDoc } from '../../models/Review';
import { ProductModel } from '../../models/Product';
import { OrderModel } from '../../models/Order';
import { MembershipModel } from '../../models/Membership';
import { UserModel } from '../../models/User';
import { withWriteLock } from '../../db/writeLock';
import { AuthenticationError, AuthorizationError, ConflictError, NotFoundError, isDuplicateKeyError } from '../../lib/errors';
import type { AuthUser } from '../../lib/authUser';

/** Rating counters on the product move under its write lock (FerretDB's $inc is not atomic). */
function bumpRating(productId: mongoose.Types.ObjectId, rating: number, sign: 1 | -1): Promise<unknown> {
  return withWriteLock(`product:${String(productId)}`, () => ProductModel.updateOne({ _id: productId }, { $inc: { ratingSum: sign * rating, ratingCount: sign } }));
}

/**
 * A buyer with the private token of a fulfilled order (a verified purchase), or an approved member
 * reseller, reviews a product — once per order, once per reseller and product.
 */
export async function createReview(productId: string, input: ReviewCreateInput, user: AuthUser | null): Promise<ReviewDoc> {
  const product = await ProductModel.findById(productId, { shopId: 1 });
  if (!product) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  let fields: { author: 'buyer' | 'reseller'; authorName: string; orderId?: mongoose.Types.ObjectId; resellerId?: mongoose.Types.ObjectId; verifiedPurchase: boolean; dedupeKey: string };
  if (input.reviewToken) {
    const order = await OrderModel.findOne({ reviewToken: input.reviewToken, productId: product._id });
    if (!order) throw new AuthorizationError('This review link does not match an order of this product', 'REVIEW_TOKEN_INVALID');
    if (order.status !== 'fulfilled') throw new ConflictError('ORDER_NOT_FULFILLED', 'You can review once your order has been delivered (setelah pesanan diterima)');
    fields = {
      author: 'buyer',
      authorName: input.name ?? (order.buyer?.name ?? 'Pembeli').split(' ')[0] ?? 'Pembeli',
      orderId: order._id,
      verifiedPurchase: true,
      dedupeKey: `order:${String(order._id)}`,
    };
  } else if (user?.role === 'reseller') {
    const member = await MembershipModel.exists({ shopId: product.shopId, resellerId: user.id, status: 'approved' });
    if (!member) throw new AuthorizationError('Only approved resellers of this shop can review its products', 'NOT_A_MEMBER');
    const reseller = await UserModel.findById(user.id, { name: 1 }).lean();
    fields = {
      author: 'reseller',
      authorName: reseller?.name ?? 'Reseller',
      resellerId: reseller?._id,
      verifiedPurchase: false,
      dedupeKey: `reseller:${user.id}:${String(product._id)}`,
    };
  } else {
    throw new AuthenticationError('TOKEN_MISSING', 'Use the review link from your order confirmation, or sign in as a reseller of this shop');
  }
  let review: ReviewDoc;
  try {
    review = await ReviewModel.create({ productId: product._id, shopId: product.shopId, rating: input.rating, text: input.text, ...fields });
  } catch (err) {
    if (isDuplicateKeyError(err)) throw new ConflictError('REVIEW_EXISTS', 'You already reviewed this (sudah memberi ulasan)');
    throw err;
  }
  await bumpRating(product._id, review.rating, 1);
  return review;
}

/** Hidden reviews leave the product's rating; the flip is guarded so counters move once per change. */
export async function setReviewHidden(review: ReviewDoc, hidden: boolean): Promise<ReviewDoc> {
  const updated = await withWriteLock(`review:${String(review._id)}`, () =>
    ReviewModel.findOneAndUpdate({ _id: review._id, hidden: !hidden }, { $set: { hidden } }, { new: true }),
  );
  if (!updated) return (await ReviewModel.findById(review._id)) ?? review;
  await bumpRating(updated.productId, updated.rating, hidden ? -1 : 1);
  return updated;
}
