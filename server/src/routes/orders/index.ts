import { z } from 'zod';
import type { FilterQuery } from 'mongoose';
import {
  CheckoutCreateSchema,
  CheckoutResultSchema,
  IdParamsSchema,
  OrderListQuerySchema,
  OrderRecordSchema,
  OrderSchema,
  OrderTransitionSchema,
  ShopIdParamsSchema,
  WhatsappOrderQuerySchema,
  waMeNumber,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { NotFoundError } from '../../lib/errors';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { rateLimit } from '../../middlewares/rateLimit';
import { readAttribution } from '../../lib/attributionCookie';
import { OrderModel, type OrderDoc, type OrderFields } from '../../models/Order';
import { ProductModel } from '../../models/Product';
import { ShopModel } from '../../models/Shop';
import { loadOwnedShop } from '../../policies/shop';
import { authorizeShopRecord } from '../../policies/shopRecord';
import { createOrder } from '../../commands/orders/orderCreator';
import { transitionOrder } from '../../commands/orders/orderTransitioner';
import { presentCheckout, presentOrder } from '../../presenters/order';

export function registerOrderRoutes(api: ApiRouter, deps: AppDeps): void {
  const { config } = deps;
  // Public order endpoints are rate-limited per client IP (the test suite races checkouts from one IP).
  const checkoutLimit = [rateLimit({ name: 'checkout', limit: config.env === 'test' ? 10_000 : 30, windowMs: 60_000 })];

  api.add({
    method: 'post',
    path: '/checkout',
    summary: 'A buyer orders on the product page; attribution from `ref`, else the tular_ref cookie within the shop’s window',
    tags: ['orders'],
    access: 'public',
    before: checkoutLimit,
    body: CheckoutCreateSchema,
    response: CheckoutResultSchema,
    status: 201,
    handler: async ({ req, body, user }) => {
      const { order, shop } = await createOrder(deps, {
        source: 'checkout',
        productId: body.productId,
        quantity: body.quantity,
        buyer: body.buyer,
        ref: body.ref,
        cookie: readAttribution(req.headers.cookie, config.cookieSecret),
        buyerUserId: user?.id ?? null,
      });
      return presentCheckout(order, shop.paymentInstructions ?? [], config.publicUrl);
    },
  });

  api.add({
    method: 'post',
    path: '/shops/:shopId/orders',
    summary: 'The owner records a WhatsApp or offline sale, with the reseller’s code',
    tags: ['orders'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    body: OrderRecordSchema,
    response: OrderSchema,
    status: 201,
    handler: async ({ user, params, body }) => {
      await loadOwnedShop(user, params.shopId);
      const { order } = await createOrder(deps, {
        source: 'owner',
        shopId: params.shopId,
        productId: body.productId,
        quantity: body.quantity,
        buyer: body.buyer,
        ref: body.ref,
        unitPrice: body.unitPrice,
        strictRef: true,
        actorId: user.id,
      });
      return presentOrder(order);
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/orders',
    summary: 'A shop’s orders, newest first (filter by status)',
    tags: ['orders'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    query: OrderListQuerySchema,
    response: z.array(OrderSchema),
    handler: async ({ user, params, query }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const filter: FilterQuery<OrderFields> = { shopId: shop._id, ...idCursorFilter(query.cursor) };
      if (query.status) filter.status = query.status;
      const rows = await OrderModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const { rows: orders, page } = pageOf(rows, query.limit);
      return new ListResult(orders.map(presentOrder), page);
    },
  });

  api.add({
    method: 'get',
    path: '/orders/:id',
    summary: 'One order (the shop’s owner)',
    tags: ['orders'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    response: OrderSchema,
    handler: async ({ user, params }) => {
      return presentOrder(await authorizeShopRecord<OrderDoc>(user, await OrderModel.findById(params.id), 'Order', 'ORDER_NOT_FOUND'));
    },
  });

  api.add({
    method: 'patch',
    path: '/orders/:id',
    summary: 'Move an order: pending→paid→fulfilled, pending|paid→cancelled, paid|fulfilled→refunded',
    tags: ['orders'],
    access: ['owner', 'admin'],
    params: IdParamsSchema,
    body: OrderTransitionSchema,
    response: OrderSchema,
    handler: async ({ user, params, body }) => {
      const existing = await authorizeShopRecord<OrderDoc>(user, await OrderModel.findById(params.id, { shopId: 1 }), 'Order', 'ORDER_NOT_FOUND');
      const order = await transitionOrder(deps, { orderId: existing._id, to: body.status, paymentReference: body.paymentReference, actorId: user.id });
      return presentOrder(order);
    },
  });

  api.add({
    method: 'get',
    path: '/products/:id/whatsapp',
    summary: '“Pesan via WhatsApp”: a wa.me link to the shop with the product, quantity and referral code pre-filled',
    tags: ['orders'],
    access: 'public',
    params: IdParamsSchema,
    query: WhatsappOrderQuerySchema,
    response: z.object({ url: z.string(), text: z.string() }),
    handler: async ({ params, query }) => {
      const product = await ProductModel.findById(params.id, { name: 1, price: 1, shopId: 1, active: 1 });
      const shop = product ? await ShopModel.findById(product.shopId, { whatsapp: 1, active: 1 }) : null;
      if (!product || !shop || !product.active || shop.active === false) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
      const lines = [
        `Halo, saya mau pesan ${product.name} sebanyak ${query.quantity}.`,
        ...(query.ref ? [`Kode referal: ${query.ref}`] : []),
        `(Order: ${product.name} × ${query.quantity}${query.ref ? `, code ${query.ref}` : ''})`,
      ];
      const text = lines.join('\n');
      return { url: `https://wa.me/${waMeNumber(shop.whatsapp)}?text=${encodeURIComponent(text)}`, text };
    },
  });
}
