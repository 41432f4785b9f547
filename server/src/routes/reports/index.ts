import { DEFAULT_TIMEZONE, DateRangeQuerySchema, MonthlyReportQuerySchema, MonthlyReportSchema, ShopIdParamsSchema } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { loadOwnedShop } from '../../policies/shop';
import { csvDocument, streamCsv, type CsvValue } from '../../lib/csv';
import { OrderModel } from '../../models/Order';
import { LedgerEntryModel } from '../../models/LedgerEntry';
import { MembershipModel } from '../../models/Membership';
import { UserModel } from '../../models/User';
import { buildMonthlyReport, localDateTime } from '../../rollups/monthlyReport';
import { localParts } from '../../rollups/buckets';
import { resolveRange } from '../../rollups/statsRange';

const MONTHLY_HEADER = ['Bulan', 'Pesanan', 'Unit', 'Pendapatan (Rp)', 'Komisi (Rp)', 'Komisi dibayar (Rp)', 'Komisi terutang (Rp)'];
const ORDER_HEADER = ['Tanggal', 'No. Pesanan', 'Status', 'Produk', 'Jumlah', 'Harga Satuan (Rp)', 'Total (Rp)', 'Komisi (Rp)', 'Reseller', 'Kode Referral', 'Atribusi', 'Sumber', 'Pembeli', 'Telepon Pembeli', 'Alamat'];
const LEDGER_HEADER = ['Tanggal', 'Reseller', 'Jenis', 'Peran', 'Jumlah (Rp)', 'Pending (Rp)', 'Disetujui (Rp)', 'Tersedia (Rp)', 'Dicadangkan (Rp)', 'Dibayar (Rp)', 'No. Pesanan', 'No. Pencairan'];

/** Names of the shop's resellers, loaded once per export (bounded by the shop's members), never per row. */
async function resellerNames(shopId: string): Promise<Map<string, string>> {
  const ids = (await MembershipModel.find({ shopId }, { resellerId: 1 }).lean()).map((m) => m.resellerId);
  const users = ids.length ? await UserModel.find({ _id: { $in: ids } }, { name: 1 }).lean() : [];
  return new Map(users.map((u) => [String(u._id), u.name]));
}

export function registerReportRoutes(api: ApiRouter, _deps: AppDeps): void {
  api.add({
    method: 'get',
    path: '/shops/:shopId/reports/monthly',
    summary: 'Bookkeeping by month (revenue, orders, commission paid and owed); CSV with Accept: text/csv',
    tags: ['reports'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    query: MonthlyReportQuerySchema,
    response: MonthlyReportSchema,
    handler: async ({ req, res, user, params, query }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const timezone = shop.timezone ?? DEFAULT_TIMEZONE;
      const year = query.year ?? localParts(new Date(), timezone).year;
      const report = await buildMonthlyReport(String(shop._id), year, timezone);
      if (req.accepts(['application/json', 'text/csv']) !== 'text/csv') return report;
      const rows: CsvValue[][] = report.months.map((m) => [m.month, m.orders, m.units, m.revenue, m.commission, m.commissionPaid, m.commissionOwed]);
      rows.push(['Total', report.totals.orders, report.totals.units, report.totals.revenue, report.totals.commission, report.totals.commissionPaid, null]);
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', `attachment; filename="laporan-${shop.slug}-${year}.csv"`)
        .send(csvDocument(MONTHLY_HEADER, rows));
      return undefined;
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/exports/orders.csv',
    summary: "The shop's orders in a date range as CSV (streamed)",
    tags: ['reports'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    query: DateRangeQuerySchema,
    handler: async ({ res, user, params, query }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const timezone = shop.timezone ?? DEFAULT_TIMEZONE;
      const range = resolveRange({ ...query, granularity: 'day' }, timezone);
      const names = await resellerNames(String(shop._id));
      const cursor = OrderModel.find({ shopId: shop._id, createdAt: { $gte: range.from, $lt: range.to } })
        .sort({ _id: 1 })
        .lean()
        .cursor({ batchSize: 500 });
      async function* rows(): AsyncGenerator<CsvValue[]> {
        for await (const o of cursor) {
          const a = o.attribution;
          yield [
            localDateTime(o.createdAt, timezone),
            String(o._id),
            o.status,
            o.productName,
            o.quantity,
            o.unitPrice,
            o.total,
            o.commission ?? 0,
            a ? (names.get(String(a.resellerId)) ?? String(a.resellerId)) : null,
            a?.code ?? null,
            a?.via ?? null,
            o.source,
            o.buyer?.name ?? null,
            o.buyer?.phone ?? null,
            o.buyer?.address ?? null,
          ];
        }
      }
      await streamCsv(res, `pesanan-${shop.slug}.csv`, ORDER_HEADER, rows());
      return undefined;
    },
  });

  api.add({
    method: 'get',
    path: '/shops/:shopId/exports/ledger.csv',
    summary: "The shop's commission ledger entries in a date range as CSV (streamed)",
    tags: ['reports'],
    access: ['owner', 'admin'],
    params: ShopIdParamsSchema,
    query: DateRangeQuerySchema,
    handler: async ({ res, user, params, query }) => {
      const shop = await loadOwnedShop(user, params.shopId);
      const timezone = shop.timezone ?? DEFAULT_TIMEZONE;
      const range = resolveRange({ ...query, granularity: 'day' }, timezone);
      const names = await resellerNames(String(shop._id));
      const cursor = LedgerEntryModel.find({ shopId: shop._id, createdAt: { $gte: range.from, $lt: range.to } })
        .sort({ _id: 1 })
        .lean()
        .cursor({ batchSize: 500 });
      async function* rows(): AsyncGenerator<CsvValue[]> {
        for await (const e of cursor) {
          const d: Partial<Record<'pending' | 'approved' | 'available' | 'reserved' | 'paid', number | null>> = e.deltas ?? {};
          yield [
            localDateTime(e.createdAt as Date, timezone),
            names.get(String(e.resellerId)) ?? String(e.resellerId),
            e.kind,
            e.role ?? null,
            e.amount,
            d.pending ?? 0,
            d.approved ?? 0,
            d.available ?? 0,
            d.reserved ?? 0,
            d.paid ?? 0,
            e.orderId ? String(e.orderId) : null,
            e.payoutId ? String(e.payoutId) : null,
          ];
        }
      }
      await streamCsv(res, `buku-komisi-${shop.slug}.csv`, LEDGER_HEADER, rows());
      return undefined;
    },
  });
}
