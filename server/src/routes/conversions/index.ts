import crypto from 'node:crypto';
import type mongoose from 'mongoose';
import type { RequestHandler } from 'express';
import { ConversionCreateSchema, ConversionSecretSchema, OrderSchema, ShopIdParamsSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { AuthenticationError, BadRequestError, NotFoundError } from '../../lib/errors';
import { rawBodyOf } from '../../lib/rawBody';
import { rateLimit } from '../../middlewares/rateLimit';
import { ProductModel } from '../../models/Product';
import { loadOwnedShop } from '../../policies/shop';
import { createOrder } from '../../commands/orders/orderCreator';
import { conversionSecretOf, rotateConversionSecret, SIGNATURE_HEADER, signatureMissing, verifyConversionSignature } from '../../commands/conversions/conversionSecrets';
import { runOnce } from '../../commands/conversions/idempotentRequest';
import { presentOrder } from '../../presenters/order';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const OBJECT_ID = /^[a-f0-9]{24}$/i;

export function registerConversionRoutes(api: ApiRouter, deps: AppDeps): void {
  const { config } = deps;

  /**
   * Runs before body validation: an unsigned request learns nothing about the payload rules. The
   * Idempotency-Key is part of what is signed, so it is read (and required) here.
   */
  const verifySignature: RequestHandler = async (req, res, next) => {
    try {
      const header = req.header(SIGNATURE_HEADER);
      if (!header) throw signatureMissing();
      const key = req.header('idempotency-key');
      if (!key || !IDEMPOTENCY_KEY.test(key)) {
        throw new BadRequestError('IDEMPOTENCY_KEY_MISSING', 'Send an Idempotency-Key header (1–200 visible characters, signed with the body) so retries never create a second order');
      }
      const body = req.body as { productId?: unknown } | undefined;
      const productId = typeof body?.productId === 'string' && OBJECT_ID.test(body.productId) ? body.productId : null;
      // The product names the shop whose secret signs the request; product pages are public, so saying it is unknown leaks nothing.
      const product = productId ? await ProductModel.findById(productId, { shopId: 1 }).lean() : null;
      if (!product) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
      const secret = await conversionSecretOf(product.shopId, config.cookieSecret);
      if (!secret) {
        throw new AuthenticationError(
          'CONVERSION_SECRET_NOT_SET',
          'This shop has no usable conversion secret: its owner creates one in the shop settings (POST /api/v1/shops/:shopId/conversion-secret) and signs requests with it',
        );
      }
      verifyConversionSignature(header, key, rawBodyOf(req), secret);
      res.locals.conversionShopId = product.shopId;
      res.locals.idempotencyKey = key;
      next();
    } catch (err) {
      next(err);
    }
  };

  api.add({
    method: 'post',
    path: '/conversions',
    summary:
      'Server-to-server sale. Headers: Idempotency-Key (required) and X-Tular-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256 with the shop’s secret of the string "<t>\\n<Idempotency-Key>\\n<raw body>">, at most 5 min old. One order per Idempotency-Key and per externalId.',
    tags: ['orders'],
    access: 'public',
    before: [rateLimit({ name: 'conversions', limit: config.env === 'test' ? 10_000 : 300, windowMs: 60_000 }), verifySignature],
    body: ConversionCreateSchema,
    response: OrderSchema,
    status: 201,
    handler: async ({ req, res, body }) => {
      const key = res.locals.idempotencyKey as string;
      const shopId = res.locals.conversionShopId as mongoose.Types.ObjectId;
      const requestHash = crypto.createHash('sha256').update(rawBodyOf(req) ?? Buffer.alloc(0)).digest('hex');
      const result = await runOnce(shopId, key, requestHash, async () => {
        const { order, created } = await createOrder(deps, {
          source: 'conversion',
          shopId: String(shopId),
          productId: body.productId,
          quantity: body.quantity,
          buyer: body.buyer,
          ref: body.ref,
          unitPrice: body.unitPrice,
          strictRef: true,
          // The shop's own order id is the better identity: the same sale sent twice under two keys is one order.
          dedupeKey: body.externalId ? `conversion:${String(shopId)}:ext:${body.externalId}` : `conversion:${String(shopId)}:${key}`,
        });
        // 200: this sale was already recorded (same externalId, or a retry after a crash) — here it is.
        return { status: created ? 201 : 200, body: { data: presentOrder(order) } };
      });
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(result.status).json(result.body);
      return undefined;
    },
  });

  api.add({
    method: 'post',
    path: '/shops/:shopId/conversion-secret',
    summary: 'Rotate the shop’s conversion-API signing secret; the new secret is shown this once',
    tags: ['orders'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    response: ConversionSecretSchema,
    status: 201,
    handler: async ({ user, params }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const { secret, rotatedAt } = await rotateConversionSecret(shop._id, config.cookieSecret);
      return { secret, createdAt: rotatedAt.toISOString() };
    },
  });
}
