import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { DEFAULT_ATTRIBUTION_DAYS, DEFAULT_COMMISSION, DEFAULT_TIMEZONE, computeCommission, computeUplineCommission, type AttributionVia, type BuyerInput, type CommissionRuleSet, type OrderSource, type Segment } from '@tular/shared';
import { ProductModel, type ProductFields } from '../../models/Product';
import { ShopModel, type ShopFields } from '../../models/Shop';
import { LinkModel } from '../../models/Link';
import { fixedContactOf } from '../auth/fixedContact';
import { OrderModel, type OrderDoc, type OrderFields } from '../../models/Order';
import { withWriteLock } from '../../db/writeLock';
import { updateByIdIf } from '../../db/guardedUpdate';
import { insertNew } from '../../db/groupCommit';
import { BadRequestError, ConflictError, NotFoundError, isDuplicateKeyError } from '../../lib/errors';
import { monthRange } from '../../rollups/buckets';
import { findLinkByCode } from '../links/linkByCode';
import { findMembership } from '../memberships/membershipOf';
import type { Attribution as CookieAttribution } from '../../lib/attributionCookie';
import { accrueCommission, type CommissionLine } from '../ledger/commissionLedger';
import { announceEntries, announceOrder, type SalesDeps } from './salesEvents';
import { fulfilledSalesIn } from './fulfilledSales';

const DAY_MS = 86_400_000;

export interface OrderRequest {
  source: OrderSource;
  productId: string;
  quantity: number;
  buyer: BuyerInput;
  /** An explicit referral code (typed by the buyer, quoted in a chat, sent by the conversion API). */
  ref?: string;
  /** The verified attribution cookie, when the request carried one. */
  cookie?: CookieAttribution | null;
  /** A confirmed claim names its reseller directly. */
  claimResellerId?: string;
  /** The shop the entry point is scoped to; the product must belong to it. */
  shopId?: string;
  unitPrice?: number;
  /** The signed-in user placing the order, if any (self-referral check). */
  buyerUserId?: string | null;
  /** Exactly-once key for the order (claims, conversions); default: the order's own id. */
  dedupeKey?: string;
  /** Unknown explicit codes: checkout falls back to the cookie; owners and integrations get a 400. */
  strictRef?: boolean;
  actorId?: string | null;
  now?: Date;
}

/** Product and shop as read for a sale (plain objects: nothing here writes them back). */
export type ProductRow = ProductFields & { _id: mongoose.Types.ObjectId };
export type ShopRow = ShopFields & { _id: mongoose.Types.ObjectId };

/**
 * Read without hydrating (a sale reads them and never saves them), so the schema defaults a stored
 * document may lack are filled here, as a hydrated read would fill them.
 */
async function saleProduct(id: string): Promise<ProductRow | null> {
  const row = await ProductModel.findById(id).lean<ProductRow>();
  return row && { ...row, active: row.active ?? true };
}

async function saleShop(id: mongoose.Types.ObjectId): Promise<ShopRow | null> {
  const row = await ShopModel.findById(id).lean<ShopRow>();
  return (
    row && {
      ...row,
      timezone: row.timezone ?? DEFAULT_TIMEZONE,
      attributionDays: row.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS,
      commission: row.commission ?? structuredClone(DEFAULT_COMMISSION),
    }
  );
}

export interface CreatedOrder {
  order: OrderDoc;
  shop: ShopRow;
  product: ProductRow;
  /** false when the dedupe key already had an order: this is that order (its commission booked now if a crash had left it unbooked). */
  created: boolean;
}

interface ResolvedAttribution {
  resellerId: mongoose.Types.ObjectId;
  linkId: mongoose.Types.ObjectId | null;
  code: string | null;
  via: AttributionVia;
  channel: string | null;
}

async function findReferral(req: OrderRequest, shop: ShopRow, now: Date): Promise<ResolvedAttribution | null> {
  if (req.claimResellerId) {
    return { resellerId: new mongoose.Types.ObjectId(req.claimResellerId), linkId: null, code: null, via: 'claim', channel: null };
  }
  if (req.ref) {
    // Codes are case-sensitive nanoids, but people retype them from chats: try exact first.
    const found = await findLinkByCode(req.ref);
    const link = found?.shopId.equals(shop._id) ? found : null;
    if (link) {
      // A link its reseller switched off earns nothing, like a blocked reseller's: the sale stands, unattributed.
      if (link.active === false) return null;
      return { resellerId: link.resellerId, linkId: link._id, code: link.code, via: 'code', channel: link.channel ?? null };
    }
    if (req.strictRef) {
      throw new BadRequestError('REFERRAL_CODE_UNKNOWN', `No referral code ${req.ref} in this shop`, [{ path: 'body.ref', message: 'unknown referral code for this shop' }]);
    }
  }
  const c = req.cookie;
  if (c && c.shopId === String(shop._id)) {
    const windowMs = shop.attributionDays * DAY_MS;
    const age = now.getTime() - c.clickedAt.getTime();
    if (age >= 0 && age <= windowMs) {
      // The cookie outlives a switch-off (it was set while the link was on), so check the link now.
      const link = await LinkModel.findById(c.linkId, { channel: 1, active: 1 }).lean();
      if (!link || link.active === false) return null;
      return { resellerId: new mongoose.Types.ObjectId(c.resellerId), linkId: new mongoose.Types.ObjectId(c.linkId), code: c.code, via: 'cookie', channel: link.channel ?? null };
    }
  }
  return null;
}

type StoredRules = ShopFields['commission'] | null | undefined;

/** Stored rules (a Mongoose subdocument) as the pure calculator reads them. */
function toRuleSet(stored: StoredRules): CommissionRuleSet | null {
  if (!stored?.type || !stored.bySegment) return null;
  const s = stored.bySegment;
  return {
    type: stored.type,
    bySegment: { buzzer: s.buzzer ?? 0, influencer: s.influencer ?? 0, follower: s.follower ?? 0 },
    tiers: (stored.tiers ?? []).map((t) => ({ minMonthlySales: t.minMonthlySales, bonusBp: t.bonusBp })),
    uplineBp: stored.uplineBp ?? 0,
  };
}

async function approvedSegment(shopId: mongoose.Types.ObjectId, resellerId: mongoose.Types.ObjectId): Promise<Segment | null> {
  const m = await findMembership(shopId, resellerId);
  return m?.status === 'approved' ? (m.segment as Segment) : null;
}

/** Reserves stock with one guarded update under the product's write lock; 409 with what is left. */
export async function reserveStock(productId: mongoose.Types.ObjectId, quantity: number): Promise<void> {
  await withWriteLock(`product:${String(productId)}`, async () => {
    const { updated, read } = await updateByIdIf<ProductFields>(
      ProductModel,
      productId,
      { filter: { stock: { $gte: quantity } }, holds: (p) => p.stock >= quantity, fields: { stock: 1 } },
      { $inc: { stock: -quantity } },
    );
    if (updated) return;
    const current = read ?? (await ProductModel.findById(productId, { stock: 1 }).lean());
    const remaining = current?.stock ?? 0;
    throw new ConflictError('STOCK_EXHAUSTED', remaining > 0 ? `Only ${remaining} left in stock` : 'Sold out', { remaining });
  });
}

export async function restoreStock(productId: mongoose.Types.ObjectId, quantity: number): Promise<void> {
  await withWriteLock(`product:${String(productId)}`, async () => {
    await ProductModel.updateOne({ _id: productId }, { $inc: { stock: quantity } });
  });
}

/**
 * The one way a sale enters Tular (checkout, owner-recorded, confirmed claim, conversion API):
 * attribution → stock → order → pending commission, all durable before the caller answers 201.
 */
export async function createOrder(deps: SalesDeps, req: OrderRequest): Promise<CreatedOrder> {
  const now = req.now ?? new Date();
  const product = await saleProduct(req.productId);
  if (!product || (req.shopId && String(product.shopId) !== req.shopId)) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  const shop = await saleShop(product.shopId);
  if (!shop) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');

  if (req.dedupeKey) {
    // Before the "still on sale" checks: a retry finishes a recorded sale even if the product was withdrawn since.
    const existing = await OrderModel.findOne({ dedupeKey: req.dedupeKey });
    if (existing) return { order: await bookCommission(deps, existing, shop.timezone), shop, product, created: false };
  }
  if (!product.active) throw new NotFoundError('Product', 'PRODUCT_NOT_FOUND');
  if (shop.active === false) throw new NotFoundError('Shop', 'SHOP_NOT_FOUND');

  // Attribution: explicit code > cookie within the window; only an approved member earns.
  let attribution = await findReferral(req, shop, now);
  let segment: Segment | null = null;
  let selfReferral = false;
  let uplineId: mongoose.Types.ObjectId | null = null;
  if (attribution) {
    const [approved, reseller] = await Promise.all([
      approvedSegment(shop._id, attribution.resellerId),
      fixedContactOf(attribution.resellerId),
    ]);
    segment = approved;
    uplineId = reseller?.uplineId ?? null;
    if (!segment || !reseller) attribution = null;
    else if (reseller.phone === req.buyer.phone || (req.buyerUserId && req.buyerUserId === String(attribution.resellerId))) {
      // Buying through one's own link earns nothing, and the owner sees the flag.
      selfReferral = true;
      attribution = null;
    }
  }

  const unitPrice = req.unitPrice ?? product.price;
  const total = unitPrice * req.quantity;
  const lines = attribution && segment ? await commissionLines(shop, product, { id: attribution.resellerId, segment, uplineId }, req, unitPrice, now) : [];
  // Only an order that owes commission has a ledger step that can fail after the insert.
  const owesCommission = lines.some((l) => l.amount > 0);

  await reserveStock(product._id, req.quantity);
  const orderId = new mongoose.Types.ObjectId();
  const timezone = shop.timezone;
  /** The order stored, or (a replayed dedupe key that lost the race) the one stored before it. */
  const insertOrder = async (): Promise<{ order: OrderDoc } | { existing: OrderDoc }> => {
    try {
      const order = await insertNew(new OrderModel({
        _id: orderId,
        shopId: shop._id,
        productId: product._id,
        productName: product.name,
        quantity: req.quantity,
        unitPrice,
        total,
        buyer: req.buyer,
        status: 'pending',
        source: req.source,
        attribution: attribution
          ? { resellerId: attribution.resellerId, linkId: attribution.linkId, code: attribution.code, via: attribution.via, segment, channel: attribution.channel }
          : null,
        flags: { selfReferral },
        commission: lines.reduce((s, l) => s + l.amount, 0),
        commissionLines: lines,
        commissionBooked: !owesCommission,
        reviewToken: crypto.randomBytes(18).toString('base64url'),
        dedupeKey: req.dedupeKey ?? `order:${String(orderId)}`,
        statusHistory: [{ status: 'pending', at: now, by: req.actorId ?? null }],
      }));
      return { order };
    } catch (err) {
      await restoreStock(product._id, req.quantity);
      if (req.dedupeKey && isDuplicateKeyError(err)) {
        const existing = await OrderModel.findOne({ dedupeKey: req.dedupeKey });
        if (existing) return { existing };
      }
      throw err;
    }
  };
  let stored: { order: OrderDoc } | { existing: OrderDoc };
  if (!owesCommission) {
    stored = await insertOrder();
    if ('order' in stored) announceOrder(deps, stored.order, timezone, undefined, 1);
  } else {
    // The ledger is written before anyone hears "201": an acknowledged sale always has its commission.
    // The order's lock is taken before the order exists, so nobody can change it until its
    // commission is booked and the booked flag flips without being read back.
    let inserting = false;
    try {
      stored = await withWriteLock(orderLockKey(orderId), async () => {
        inserting = true;
        const inserted = await insertOrder();
        return 'order' in inserted ? { order: await bookLocked(deps, inserted.order, timezone, true) } : inserted;
      });
    } catch (err) {
      // The lock could not be taken (busy, database down): no order was stored, so the units go back.
      // (Past the insert, insertOrder gave them back itself, or the order holds them.)
      if (!inserting) await restoreStock(product._id, req.quantity);
      throw err;
    }
  }
  if ('existing' in stored) return { order: await bookCommission(deps, stored.existing, timezone), shop, product, created: false };
  return { order: stored.order, shop, product, created: true };
}

/** The reseller's line and, when the team rule allows it, the upline's; never more than the sale is worth. */
async function commissionLines(
  shop: ShopRow,
  product: ProductRow,
  seller: { id: mongoose.Types.ObjectId; segment: Segment; uplineId: mongoose.Types.ObjectId | null },
  req: OrderRequest,
  unitPrice: number,
  now: Date,
): Promise<CommissionLine[]> {
  const { id: resellerId, segment, uplineId } = seller;
  const month = monthRange(now, shop.timezone);
  const productRules = toRuleSet(product.commission);
  const rules = toRuleSet(shop.commission) ?? { type: 'percent', bySegment: { buzzer: 0, influencer: 0, follower: 0 } };
  // The month's sales only pick a volume tier: without tiers there is nothing to read them for.
  const tiered = (productRules?.tiers?.length ? productRules.tiers : rules.tiers)?.length ?? 0;
  const before = tiered > 0 ? await fulfilledSalesIn(shop._id, resellerId, month) : { total: 0, count: 0 };
  const own = computeCommission({
    rules,
    productRules,
    segment,
    quantity: req.quantity,
    unitPrice,
    monthlySalesBefore: before.total,
  });
  // A flat rate per unit above a (negotiated) unit price would pay out more than the sale brought
  // in: the owner never pays more than the order's value, so the reseller's share is capped at it.
  const ownAmount = Math.min(own.amount, own.base);
  const lines: CommissionLine[] = [{ role: 'reseller', resellerId, amount: ownAmount, base: own.base, rateBp: own.rateBp, flatPerUnit: own.flatPerUnit, bonusBp: own.bonusBp }];

  // A product's own rules replace the shop's whole rule set, upline share included (the ≤ 100%
  // check on product rules counts the product's uplineBp, so that is the one that may be paid).
  const uplineBp = productRules ? (productRules.uplineBp ?? 0) : (shop.commission?.uplineBp ?? 0);
  if (uplineBp <= 0 || !uplineId || uplineId.equals(resellerId)) return lines;
  const upline = await fixedContactOf(uplineId);
  // The upline buying through their downline's link earns no override either.
  if (!upline || upline.phone === req.buyer.phone || req.buyerUserId === String(uplineId)) return lines;
  // The team reward pays for selling: an approved member with a fulfilled own sale this calendar month (shop time).
  if (!(await approvedSegment(shop._id, uplineId))) return lines;
  if ((await fulfilledSalesIn(shop._id, uplineId, month)).count < 1) return lines;
  const uplineAmount = Math.min(computeUplineCommission(own.base, uplineBp), own.base - ownAmount);
  lines.push({ role: 'upline', resellerId: uplineId, amount: uplineAmount, base: own.base, rateBp: uplineBp, bonusBp: 0 });
  return lines;
}

/**
 * Makes sure the order's commission lines are in the ledger and the sale was announced — once.
 * The creator books inside the lock it made the order under (bookLocked); a retry that finds the order (claim confirm,
 * conversion with a freed key), a transition and the stranded-order sweep call it too, so a crash
 * between "order stored" and "commission booked" converges instead of losing the commission.
 * Re-running is safe: ledger entries have unique keys and the booked flag flips once.
 */
export async function bookCommission(deps: SalesDeps, order: OrderDoc, timezone: string): Promise<OrderDoc> {
  if (order.commissionBooked !== false) return order;
  return bookLocked(deps, order, timezone, false);
}

const orderLockKey = (id: mongoose.Types.ObjectId): string => `order:${String(id)}`;

/**
 * Books `order`'s lines and flips its flag (under the order's lock, or inside it when `madeHere`:
 * the caller created the order under the lock it still holds, so the flag is known to be unset).
 */
async function bookLocked(deps: SalesDeps, order: OrderDoc, timezone: string, madeHere: boolean): Promise<OrderDoc> {
  const lines: CommissionLine[] = (order.commissionLines ?? []).map((l) => ({
    role: l.role as CommissionLine['role'],
    resellerId: l.resellerId,
    amount: l.amount,
    base: l.base,
    rateBp: l.rateBp ?? null,
    flatPerUnit: l.flatPerUnit ?? null,
    bonusBp: l.bonusBp ?? null,
  }));
  const entries = await accrueCommission(order, lines);
  const flip = (): Promise<{ updated: boolean }> =>
    updateByIdIf<OrderFields>(
      OrderModel,
      order._id,
      { filter: { commissionBooked: false }, holds: (o) => o.commissionBooked === false, fields: { commissionBooked: 1 } },
      { $set: { commissionBooked: true } },
      madeHere ? { known: { commissionBooked: false } as OrderFields } : {},
    );
  const flipped = madeHere ? await flip() : await withWriteLock(orderLockKey(order._id), flip);
  order.commissionBooked = true;
  // Only the copy that flipped the flag announces, so dashboards count the sale once.
  if (flipped.updated) {
    announceOrder(deps, order, timezone, undefined, 1);
    announceEntries(deps, entries);
  }
  return order;
}

/** Books orders whose creator died between the insert and the ledger (and no retry came). */
export async function bookStrandedOrders(deps: SalesDeps, olderThan: Date, batch = 100): Promise<number> {
  const stranded = await OrderModel.find({ commissionBooked: false, createdAt: { $lt: olderThan } }).sort({ createdAt: 1 }).limit(batch);
  for (const order of stranded) {
    const shop = await ShopModel.findById(order.shopId, { timezone: 1 }).lean();
    await bookCommission(deps, order, shop?.timezone ?? 'Asia/Jakarta');
  }
  return stranded.length;
}
