import { customAlphabet } from 'nanoid';
import type { LinkCreateSchema } from '@tular/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../lib/authUser';
import { ConflictError, NotFoundError, ValidationError, isDuplicateKeyError } from '../../lib/errors';
import { UNAMBIGUOUS_ALPHABET } from '../../lib/codes';
import { LinkModel, linkScopeKey, type LinkDoc } from '../../models/Link';
import { findMembership } from '../memberships/membershipOf';
import { ProductModel, type ProductDoc } from '../../models/Product';
import { ShopModel, type ShopDoc } from '../../models/Shop';
import { assertApprovedMember } from '../../policies/link';
import { pointLinkCode } from './linkByCode';

/**
 * 55^8 ≈ 8·10^13 codes: a clash is rare, and the unique index catches it. Behind an object so a test
 * can force a clash (a module-local call could not be replaced).
 */
export const linkCodes = { next: customAlphabet(UNAMBIGUOUS_ALPHABET, 8) };
const CODE_ATTEMPTS = 5;

export interface CreatedLink {
  link: LinkDoc;
  created: boolean;
  shop: ShopDoc;
  product: ProductDoc | null;
}

/**
 * A reseller's link for a product (or a whole shop). Idempotent: the same reseller, product, channel
 * and destination always get the same link — concurrent requests collapse onto the unique scopeKey.
 */
export async function createLink(user: AuthUser, input: z.output<typeof LinkCreateSchema>): Promise<CreatedLink> {
  let product: ProductDoc | null = null;
  let shopId = input.shopId;
  if (input.productId) {
    product = await ProductModel.findById(input.productId);
    if (!product) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
    if (shopId && shopId !== String(product.shopId)) {
      throw new ValidationError([{ path: 'body.shopId', message: 'the product belongs to another shop' }]);
    }
    shopId = String(product.shopId);
  }
  const shop = await ShopModel.findById(shopId);
  if (!shop || shop.active === false) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');
  assertApprovedMember(await findMembership(shop._id, user.id));
  if (product && product.active === false) throw new ConflictError('PRODUCT_INACTIVE', 'This product is no longer offered (produk tidak aktif)');
  if (input.destination !== 'page' && !product?.marketplace?.[input.destination]) {
    throw new ValidationError([{ path: 'body.destination', message: `this product has no ${input.destination} listing` }]);
  }

  const fields = {
    resellerId: user.id,
    shopId: String(shop._id),
    ...(product ? { productId: String(product._id) } : {}),
    channel: input.channel,
    destination: input.destination,
  };
  const scopeKey = linkScopeKey(fields);
  const existing = await LinkModel.findOne({ scopeKey });
  if (existing) return { link: existing, created: false, shop, product };

  for (let attempt = 1; ; attempt += 1) {
    try {
      const link = await LinkModel.create({ ...fields, code: linkCodes.next(), active: true, scopeKey });
      await pointLinkCode(link);
      return { link, created: true, shop, product };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Either a concurrent request made this very link (return it) or the code clashed (draw again).
      const raced = await LinkModel.findOne({ scopeKey });
      if (raced) return { link: raced, created: false, shop, product };
      if (attempt >= CODE_ATTEMPTS) throw err;
    }
  }
}
