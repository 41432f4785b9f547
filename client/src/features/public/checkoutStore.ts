import type { CheckoutResult } from '../../api/types';

export interface PlacedOrder {
  result: CheckoutResult;
  productId: string;
  productName: string;
  quantity: number;
  shopName: string;
  shopWhatsapp: string;
}

const key = (id: string) => `tular.order.${id}`;

/** Keeps the confirmation readable after a reload (there is no public GET for an order). */
export function rememberOrder(order: PlacedOrder): void {
  try {
    globalThis.sessionStorage?.setItem(key(order.result.id), JSON.stringify(order));
  } catch {
    // Storage full or disabled: the confirmation still shows from navigation state.
  }
}

export function recallOrder(id: string): PlacedOrder | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(key(id));
    return raw ? (JSON.parse(raw) as PlacedOrder) : null;
  } catch {
    return null;
  }
}

const refKey = (productId: string) => `tular.ref.${productId}`;

/** The referral code from the link (`?ref=`), kept for this tab so the WhatsApp message can quote it. */
export function rememberRef(productId: string, code: string | null): string | null {
  try {
    if (code) globalThis.sessionStorage?.setItem(refKey(productId), code);
    return code ?? globalThis.sessionStorage?.getItem(refKey(productId)) ?? null;
  } catch {
    return code;
  }
}
