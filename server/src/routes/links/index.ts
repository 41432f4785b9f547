import QRCode from 'qrcode';
import { Types } from 'mongoose';
import {
  IdParamsSchema,
  LinkCodeParamsSchema,
  LinkCreateSchema,
  LinkListQuerySchema,
  LinkQrQuerySchema,
  LinkSchema,
  LinkUpdateSchema,
} from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { NotFoundError } from '../../lib/errors';
import { createLink } from '../../commands/links/linkCreator';
import { findLinkByCode } from '../../commands/links/linkByCode';
import { setLinkActive } from '../../commands/links/linkSwitcher';
import { LinkModel } from '../../models/Link';
import { ProductModel } from '../../models/Product';
import { ShopModel } from '../../models/Shop';
import { assertCanManageLink } from '../../policies/link';
import { linkUrl, presentLink } from '../../presenters/link';

export function registerLinkRoutes(api: ApiRouter, { config, bus }: AppDeps): void {
  const { publicUrl } = config;
  const qrImages = new Map<string, Buffer>();

  api.add({
    method: 'post',
    path: '/links',
    summary: 'Make (or get back) a referral link for a product or a whole shop; approved members only',
    tags: ['links'],
    access: ['reseller'],
    body: LinkCreateSchema,
    response: LinkSchema,
    status: 201,
    handler: async ({ user, body, res }) => {
      const { link, created, shop, product } = await createLink(user, body);
      // 201 for a new link, 200 when the same request already made it.
      res.status(created ? 201 : 200).json({ data: presentLink(link, { publicUrl, shop, product }) });
      return undefined;
    },
  });

  api.add({
    method: 'get',
    path: '/links',
    summary: 'My links, newest first',
    tags: ['links'],
    access: ['reseller'],
    query: LinkListQuerySchema,
    response: LinkSchema.array(),
    handler: async ({ user, query }) => {
      const filter: Record<string, unknown> = { resellerId: new Types.ObjectId(user.id) };
      if (query.shopId) filter.shopId = new Types.ObjectId(query.shopId);
      if (query.productId) filter.productId = new Types.ObjectId(query.productId);
      if (query.cursor) filter._id = { $lt: new Types.ObjectId(query.cursor) };
      const links = await LinkModel.find(filter).sort({ _id: -1 }).limit(query.limit + 1);
      const page = links.slice(0, query.limit);
      const [shops, products] = await Promise.all([
        ShopModel.find({ _id: { $in: [...new Set(page.map((l) => String(l.shopId)))] } }, { name: 1 }).lean(),
        ProductModel.find({ _id: { $in: [...new Set(page.filter((l) => l.productId).map((l) => String(l.productId)))] } }, { name: 1, price: 1, creativeKit: 1 }).lean(),
      ]);
      const shopById = new Map(shops.map((s) => [String(s._id), s]));
      const productById = new Map(products.map((p) => [String(p._id), p]));
      return new ListResult(
        page.map((l) =>
          presentLink(l, { publicUrl, shop: shopById.get(String(l.shopId)) ?? null, product: l.productId ? (productById.get(String(l.productId)) ?? null) : null }),
        ),
        { next: links.length > query.limit ? String(page[page.length - 1]!._id) : null },
      );
    },
  });

  api.add({
    method: 'get',
    path: '/links/:code/qr',
    summary: 'The link as a QR code (PNG or SVG) for printing on packaging and posters; it encodes the short URL with ?src=qr',
    tags: ['links'],
    // Public: <img src> cannot send a bearer token, and the QR only encodes the public short URL.
    access: 'public',
    params: LinkCodeParamsSchema,
    query: LinkQrQuerySchema,
    handler: async ({ params, query, res }) => {
      const link = await findLinkByCode(params.code);
      if (!link) throw new NotFoundError('Link', 'LINK_NOT_FOUND');
      const text = `${linkUrl(publicUrl, link.code)}?src=qr`;
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.setHeader('Content-Disposition', `inline; filename="tular-${link.code}.${query.format}"`);
      const key = `${link.code}.${query.format}`;
      let image = qrImages.get(key);
      if (!image) {
        image =
          query.format === 'svg'
            ? Buffer.from(await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }))
            : await QRCode.toBuffer(text, { type: 'png', margin: 2, width: 512, errorCorrectionLevel: 'M' });
        // A PNG costs tens of milliseconds to draw and never changes for a code: keep the recent ones.
        if (qrImages.size >= 500) qrImages.delete(qrImages.keys().next().value as string);
        qrImages.set(key, image);
      }
      res.type(query.format === 'svg' ? 'image/svg+xml' : 'image/png').send(image);
      return undefined;
    },
  });

  api.add({
    method: 'patch',
    path: '/links/:id',
    summary: 'Switch a link off (its short URL then shows "not found") or back on',
    tags: ['links'],
    access: ['reseller', 'owner', 'admin'],
    params: IdParamsSchema,
    body: LinkUpdateSchema,
    response: LinkSchema,
    handler: async ({ user, params, body }) => {
      const link = await LinkModel.findById(params.id);
      if (!link) throw new NotFoundError('Link', 'LINK_NOT_FOUND');
      const shop = await ShopModel.findById(link.shopId, { ownerId: 1, name: 1 });
      assertCanManageLink(user, link, shop);
      const updated = await setLinkActive(link, body.active, bus);
      const product = updated.productId ? await ProductModel.findById(updated.productId, { name: 1, price: 1, creativeKit: 1 }).lean() : null;
      return presentLink(updated, { publicUrl, shop, product });
    },
  });
}
