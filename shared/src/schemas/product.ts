import { z } from 'zod';
import { CursorQuerySchema, ObjectIdSchema, RupiahSchema } from './common';
import { CommissionRulesSchema, ShopSummarySchema } from './shop';

export const MARKETPLACES = ['shopee', 'tokopedia', 'lazada', 'tiktok'] as const;
export type Marketplace = (typeof MARKETPLACES)[number];

/** A listing URL must point at the marketplace it claims (the host or one of its subdomains), over https. */
export const MARKETPLACE_HOSTS: Record<Marketplace, readonly string[]> = {
  shopee: ['shopee.co.id'],
  tokopedia: ['tokopedia.com'],
  lazada: ['lazada.co.id'],
  tiktok: ['tiktok.com', 'shop.tiktok.com'],
};

export function isMarketplaceUrl(marketplace: Marketplace, value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return MARKETPLACE_HOSTS[marketplace].some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

function marketplaceUrl(marketplace: Marketplace) {
  const hosts = MARKETPLACE_HOSTS[marketplace].join(' or ');
  return z
    .string()
    .trim()
    .max(500)
    .refine((v) => isMarketplaceUrl(marketplace, v), `must be an https:// link on ${hosts}`);
}

export const MarketplaceLinksSchema = z.strictObject({
  shopee: marketplaceUrl('shopee').optional(),
  tokopedia: marketplaceUrl('tokopedia').optional(),
  lazada: marketplaceUrl('lazada').optional(),
  tiktok: marketplaceUrl('tiktok').optional(),
});
export type MarketplaceLinks = z.infer<typeof MarketplaceLinksSchema>;

export const CAPTION_LANGS = ['id', 'en'] as const;
export const CaptionSchema = z.strictObject({
  lang: z.enum(CAPTION_LANGS),
  text: z.string().trim().min(1).max(1000),
});
export type Caption = z.infer<typeof CaptionSchema>;

export const MAX_PRODUCT_PHOTOS = 8;
export const MAX_KIT_PHOTOS = 10;

/** Photos are uploaded one by one (POST …/photos); here the owner may only reorder or drop existing ones. */
const PhotoIdsSchema = (max: number) => z.array(ObjectIdSchema).max(max).refine((ids) => new Set(ids).size === ids.length, 'must not repeat a photo');

const productFields = {
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(5000),
  category: z.string().trim().max(50),
  price: RupiahSchema.min(1, 'must be at least Rp 1').max(1_000_000_000),
  /** Production capacity: orders reserve from it and are refused beyond it. */
  stock: z.number().int('must be a whole number').min(0, 'must not be negative').max(10_000_000),
  marketplace: MarketplaceLinksSchema,
  active: z.boolean(),
  captions: z.array(CaptionSchema).max(10),
};

export const ProductCreateSchema = z.strictObject({
  name: productFields.name,
  description: productFields.description.default(''),
  category: productFields.category.default(''),
  price: productFields.price,
  stock: productFields.stock,
  commission: CommissionRulesSchema.optional(),
  marketplace: productFields.marketplace.default({}),
  active: productFields.active.default(true),
  creativeKit: z.strictObject({ captions: productFields.captions.default([]) }).default({ captions: [] }),
});
export type ProductCreateInput = z.input<typeof ProductCreateSchema>;
export type ProductCreate = z.output<typeof ProductCreateSchema>;

export const ProductUpdateSchema = z
  .strictObject({
    name: productFields.name.optional(),
    description: productFields.description.optional(),
    category: productFields.category.optional(),
    price: productFields.price.optional(),
    stock: productFields.stock.optional(),
    /** null clears the override so the shop's defaults apply again. */
    commission: CommissionRulesSchema.nullable().optional(),
    /** Replaces all listings; omit a marketplace to remove it. */
    marketplace: productFields.marketplace.optional(),
    active: productFields.active.optional(),
    photoIds: PhotoIdsSchema(MAX_PRODUCT_PHOTOS).optional(),
    creativeKit: z
      .strictObject({
        captions: productFields.captions.optional(),
        photoIds: PhotoIdsSchema(MAX_KIT_PHOTOS).optional(),
      })
      .optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'send at least one field to change');
export type ProductUpdateInput = z.input<typeof ProductUpdateSchema>;
export type ProductUpdate = z.output<typeof ProductUpdateSchema>;

export const ProductListQuerySchema = CursorQuerySchema.extend({
  q: z.string().trim().max(100).optional(),
  category: z.string().trim().max(50).optional(),
});
export type ProductListQuery = z.output<typeof ProductListQuerySchema>;

/** The platform-wide product catalog: active products of active shops. */
export const ProductSearchQuerySchema = ProductListQuerySchema.extend({
  city: z.string().trim().max(80).optional(),
});
export type ProductSearchQuery = z.output<typeof ProductSearchQuerySchema>;

export const PhotoSchema = z.object({ id: z.string(), url: z.string() });
export type Photo = z.infer<typeof PhotoSchema>;

/** A product as the API presents it (owner views and lists). */
export const ProductSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  price: z.number(),
  stock: z.number(),
  soldOut: z.boolean(),
  photos: z.array(PhotoSchema),
  /** The product's own override; null means the shop's defaults apply. */
  commission: CommissionRulesSchema.nullable(),
  marketplace: MarketplaceLinksSchema,
  active: z.boolean(),
  creativeKit: z.object({ captions: z.array(CaptionSchema), photos: z.array(PhotoSchema) }),
  rating: z.object({ average: z.number().nullable(), count: z.number() }),
  createdAt: z.string(),
});
export type Product = z.infer<typeof ProductSchema>;

/** The public product page: the product plus what a buyer needs to reach the shop. */
export const PublicProductSchema = ProductSchema.extend({
  shop: ShopSummarySchema,
});
export type PublicProduct = z.infer<typeof PublicProductSchema>;
