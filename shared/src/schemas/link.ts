import { z } from 'zod';
import { CHANNELS } from '../enums';
import { ObjectIdSchema } from './common';

export const LINK_DESTINATIONS = ['page', 'shopee', 'tokopedia', 'lazada', 'tiktok'] as const;
export type LinkDestination = (typeof LINK_DESTINATIONS)[number];

/** Link codes: the unambiguous nanoid alphabet (no 0/O/1/l/I), 8–16 characters; `/r/` rejects anything else before a lookup. */
export const LINK_CODE_PATTERN = /^[2-9a-hjkmnp-zA-HJ-NP-Z]{8,16}$/;
export const LinkCodeSchema = z.string().regex(LINK_CODE_PATTERN, 'must be a link code');

/** Where a `page` link lands on the web client; the redirect appends `?ref=<code>` so the page's WhatsApp button can quote it. */
export const productPagePath = (productId: string): string => `/p/${productId}`;
export const shopPagePath = (slug: string): string => `/s/${slug}`;

export const LinkCreateSchema = z
  .strictObject({
    productId: ObjectIdSchema.optional(),
    /** For a whole-shop link (no product); with a product it must be the product's shop. */
    shopId: ObjectIdSchema.optional(),
    channel: z.enum(CHANNELS).default('other'),
    destination: z.enum(LINK_DESTINATIONS).default('page'),
  })
  .superRefine((value, ctx) => {
    if (!value.productId && !value.shopId) {
      ctx.addIssue({ code: 'custom', path: ['productId'], message: 'give a productId (or a shopId for a whole-shop link)' });
    }
    if (!value.productId && value.destination !== 'page') {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'a whole-shop link can only lead to the shop page' });
    }
  });
export type LinkCreateInput = z.input<typeof LinkCreateSchema>;

export const LinkUpdateSchema = z.strictObject({ active: z.boolean() });
export type LinkUpdateInput = z.infer<typeof LinkUpdateSchema>;

export const LinkListQuerySchema = z.strictObject({
  cursor: ObjectIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  shopId: ObjectIdSchema.optional(),
  productId: ObjectIdSchema.optional(),
});

export const LinkCodeParamsSchema = z.strictObject({ code: LinkCodeSchema });
export const LinkQrQuerySchema = z.strictObject({ format: z.enum(['png', 'svg']).default('png') });

export const LinkSchema = z.object({
  id: z.string(),
  code: z.string(),
  url: z.string(),
  productId: z.string().nullable(),
  shopId: z.string(),
  channel: z.enum(CHANNELS),
  destination: z.enum(LINK_DESTINATIONS),
  active: z.boolean(),
  shareUrls: z.object({ whatsapp: z.string(), facebook: z.string(), x: z.string(), telegram: z.string() }),
  qr: z.object({ png: z.string(), svg: z.string() }),
  createdAt: z.string(),
});
export type Link = z.infer<typeof LinkSchema>;
