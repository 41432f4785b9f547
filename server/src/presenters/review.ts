import type { Review } from '@tular/shared';
import type { ReviewDoc } from '../models/Review';

export function presentReview(r: ReviewDoc): Review {
  return {
    id: String(r._id),
    productId: String(r.productId),
    rating: r.rating,
    text: r.text,
    authorName: r.authorName,
    author: r.author,
    verifiedPurchase: !!r.verifiedPurchase,
    hidden: !!r.hidden,
    createdAt: (r.createdAt ?? new Date(0)).toISOString(),
  };
}
