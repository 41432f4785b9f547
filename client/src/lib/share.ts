import { waMeNumber } from '@tular/shared';

/** A wa.me link that opens a chat with the shop, message pre-filled (the referral code rides along). */
export function whatsappOrderUrl(shopWhatsapp: string, message: string): string {
  return `https://wa.me/${waMeNumber(shopWhatsapp).replace(/\D/g, '')}?text=${encodeURIComponent(message)}`;
}

export interface ShareUrls {
  whatsapp: string;
  facebook: string;
  x: string;
  telegram: string;
}

/** One-tap share targets; the server sends these too, this is the fallback for older links. */
export function buildShareUrls(url: string, text: string): ShareUrls {
  const u = encodeURIComponent(url);
  const t = encodeURIComponent(text);
  return {
    whatsapp: `https://wa.me/?text=${encodeURIComponent(`${text} ${url}`)}`,
    facebook: `https://www.facebook.com/sharer/sharer.php?u=${u}`,
    x: `https://twitter.com/intent/tweet?url=${u}&text=${t}`,
    telegram: `https://t.me/share/url?url=${u}&text=${t}`,
  };
}
