import type { CommissionRules, Shop, ShopSummary } from '@tular/shared';
import type { ShopDoc, ShopFields } from '../models/Shop';
import { API_FILES_PATH } from '../lib/photoStore';

export function fileUrl(id: unknown): string {
  return `${API_FILES_PATH}/${String(id)}`;
}

/** Plain commission rules out of a stored subdocument (no Mongoose internals, no _id). */
export function presentCommission(rules: NonNullable<ShopFields['commission']>): CommissionRules {
  return {
    type: rules.type,
    bySegment: { buzzer: rules.bySegment!.buzzer, influencer: rules.bySegment!.influencer, follower: rules.bySegment!.follower },
    tiers: rules.tiers.map((t) => ({ minMonthlySales: t.minMonthlySales, bonusBp: t.bonusBp })),
    uplineBp: rules.uplineBp,
  };
}

export function presentShop(shop: ShopDoc): Shop {
  return {
    id: String(shop._id),
    ownerId: String(shop.ownerId),
    name: shop.name,
    slug: shop.slug,
    whatsapp: shop.whatsapp,
    description: shop.description ?? '',
    city: shop.city ?? '',
    category: shop.category ?? '',
    logoUrl: shop.logoFileId ? fileUrl(shop.logoFileId) : null,
    timezone: shop.timezone ?? 'Asia/Jakarta',
    joinPolicy: shop.joinPolicy ?? 'open',
    commission: presentCommission(shop.commission),
    attributionDays: shop.attributionDays ?? 7,
    holdDays: (shop.holdDays ?? 7) as Shop['holdDays'],
    minPayout: shop.minPayout ?? 10_000,
    paymentInstructions: shop.paymentInstructions.map((p) => ({
      method: p.method,
      provider: p.provider,
      accountName: p.accountName,
      accountNumber: p.accountNumber,
    })),
    active: shop.active ?? true,
    createdAt: (shop.createdAt ?? new Date()).toISOString(),
  };
}

export function presentShopSummary(shop: ShopDoc): ShopSummary {
  return {
    id: String(shop._id),
    name: shop.name,
    slug: shop.slug,
    whatsapp: shop.whatsapp,
    city: shop.city ?? '',
    logoUrl: shop.logoFileId ? fileUrl(shop.logoFileId) : null,
  };
}
