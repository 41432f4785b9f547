import crypto from 'node:crypto';
import type mongoose from 'mongoose';
import type { RequestHandler } from 'express';
import { ConversionCreateSchema, ConversionSecretSchema, OrderSchema, ShopIdParamsSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { BadRequestError } from '../../lib/errors';
import { rawBodyOf } from '../../lib/rawBody';
import { rateLimit } from '../../middlewares/rateLimit';
import { ProductModel } from '../../models/Product';
import { loadOwnedShop } from '../../policies/shop';
import { createOrder } from '../../commands/orders/orderCreator';
import { conversionSecretOf, rotateConversionSecret, SIGNATURE_HEADER, verifyConversionSignature } from '../../commands/conversions/conversionSecrets';
import { runOnce } from '../../commands/conversions/idempotentRequest';
import { presentOrder } from '../../presenters/order';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const OBJECT_ID = /^[a-f0-9]{24}$/i;

export function registerConversionRoutes(api: ApiRouter, deps: AppDeps): void {
  const { config } = deps;

  /** Runs before body validation: an unsigned request learns nothing about the payload rules. */
  const verifySignature: RequestHandler = async (req, res, next) => {
    try {
      const body = req.body as { productId?: unknown } | undefined;
      const productId = typeof body?.productId === 'string' && OBJECT_ID.test(body.productId) ? body.productId : null;
      const product = productId ? await ProductModel.findById(productId, { shopId: 1 }).lean() : null;
      const secret = product ? await conversionSecretOf(product.shopId, config.cookieSecret) : null;
      verifyConversionSignature(req.header(SIGNATURE_HEADER), rawBodyOf(req), secret);
      res.locals.conversionShopId = product!.shopId;
      next();
    } catch (err) {
      next(err);
    }
  };

  api.add({
    method: 'post',
    path: '/conversions',
    summary: 'Server-to-server sale (HMAC-SHA256 X-Tular-Signature over "<t>.<raw body>", Idempotency-Key required)',
    tags: ['orders'],
    access: 'public',
    before: [rateLimit({ name: 'conversions', limit: config.env === 'test' ? 10_000 : 300, windowMs: 60_000 }), verifySignature],
    body: ConversionCreateSchema,
    response: OrderSchema,
    status: 201,
    handler: async ({ req, res, body }) => {
      const key = req.header('idempotency-key');
      if (!key || !IDEMPOTENCY_KEY.test(key)) {
        throw new BadRequestError('IDEMPOTENCY_KEY_MISSING', 'Send an Idempotency-Key header (1–200 visible characters) so retries never create a second order');
      }
      const shopId = res.locals.conversionShopId as mongoose.Types.ObjectId;
      const requestHash = crypto.createHash('sha256').update(rawBodyOf(req) ?? Buffer.alloc(0)).digest('hex');
      const result = await runOnce(shopId, key, requestHash, async () => {
        const { order } = await createOrder(deps, {
          source: 'conversion',
          shopId: String(shopId),
          productId: body.productId,
          quantity: body.quantity,
          buyer: body.buyer,
          ref: body.ref,
          unitPrice: body.unitPrice,
          strictRef: true,
          dedupeKey: `conversion:${String(shopId)}:${key}`,
        });
        return { status: 201, body: { data: presentOrder(order) } };
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
