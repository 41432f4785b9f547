import { formatRupiah, type Link } from '@tular/shared';
import type { LinkDoc } from '../models/Link';
import type { ProductFields } from '../models/Product';
import type { ShopFields } from '../models/Shop';

export interface LinkContext {
  publicUrl: string;
  shop: Pick<ShopFields, 'name'> | null;
  product: Pick<ProductFields, 'name' | 'price' | 'creativeKit'> | null;
}

export function linkUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/r/${code}`;
}

/** The owner's Indonesian caption from the creative kit, else a plain default with name and price. */
export function shareCaption(ctx: Pick<LinkContext, 'shop' | 'product'>): string {
  const kit = ctx.product?.creativeKit?.captions?.find((c) => c.lang === 'id')?.text?.trim();
  if (kit) return kit;
  if (ctx.product) return `Yuk cobain ${ctx.product.name}, cuma ${formatRupiah(ctx.product.price)}! Pesan di sini:`;
  return `Yuk belanja di ${ctx.shop?.name ?? 'toko ini'}! Lihat produknya di sini:`;
}

export function presentLink(link: LinkDoc, ctx: LinkContext): Link {
  const url = linkUrl(ctx.publicUrl, link.code);
  const caption = shareCaption(ctx);
  const u = encodeURIComponent(url);
  const c = encodeURIComponent(caption);
  const qrBase = `${ctx.publicUrl}/api/v1/links/${link.code}/qr`;
  return {
    id: String(link._id),
    code: link.code,
    url,
    productId: link.productId ? String(link.productId) : null,
    shopId: String(link.shopId),
    channel: link.channel,
    destination: link.destination,
    active: link.active,
    shareUrls: {
      whatsapp: `https://wa.me/?text=${encodeURIComponent(`${caption}\n${url}`)}`,
      facebook: `https://www.facebook.com/sharer/sharer.php?u=${u}`,
      x: `https://x.com/intent/tweet?text=${c}&url=${u}`,
      telegram: `https://t.me/share/url?url=${u}&text=${c}`,
    },
    qr: { png: `${qrBase}?format=png`, svg: `${qrBase}?format=svg` },
    createdAt: (link.createdAt ?? new Date()).toISOString(),
  };
}
