import mongoose from 'mongoose';
import type { MonthlyReport } from '@tular/shared';
import { buildTestApp, useTestDatabase, type TestApp } from '../../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop, type Registered } from '../../../test/factories';
import { orderFact } from '../../rollups/rollupFacts';
import { OrderModel } from '../../models/Order';
import { LedgerEntryModel } from '../../models/LedgerEntry';

useTestDatabase();

const TZ = 'Asia/Jakarta';
let app: TestApp;
let owner: Registered;
let stranger: Registered;
let rina: Registered;
let shopId: string;
let productId: string;

const oid = (): mongoose.Types.ObjectId => new mongoose.Types.ObjectId();

let ledgerSeq = 0;
async function ledger(at: string, kind: string, amount: number, deltas: Record<string, number>): Promise<void> {
  ledgerSeq += 1;
  await LedgerEntryModel.collection.insertOne({
    _id: oid(),
    resellerId: new mongoose.Types.ObjectId(rina.user.id),
    shopId: new mongoose.Types.ObjectId(shopId),
    orderId: null,
    payoutId: null,
    kind,
    role: 'reseller',
    amount,
    deltas: { pending: 0, approved: 0, available: 0, reserved: 0, paid: 0, ...deltas },
    idempotencyKey: `${kind}:${at}:${Math.random()}`,
    // Each entry has its seat in the account (unique per reseller and shop, see LedgerEntry).
    seq: ledgerSeq,
    createdAt: new Date(at),
  });
}

async function order(at: string, total: number, buyerName: string, extra: Record<string, unknown> = {}): Promise<void> {
  await OrderModel.collection.insertOne({
    _id: oid(),
    shopId: new mongoose.Types.ObjectId(shopId),
    productId: new mongoose.Types.ObjectId(productId),
    productName: 'Keripik Tempe',
    quantity: 2,
    unitPrice: total / 2,
    total,
    buyer: { name: buyerName, phone: '+6281211112222', address: 'Jl. Ijen; No. 5, Malang' },
    status: 'paid',
    source: 'checkout',
    attribution: { resellerId: new mongoose.Types.ObjectId(rina.user.id), linkId: null, code: 'RINA01', via: 'code' },
    flags: { selfReferral: false },
    commission: 5_000,
    reviewToken: `rt-${Math.random()}`,
    dedupeKey: `dk-${Math.random()}`,
    statusHistory: [],
    createdAt: new Date(at),
    updatedAt: new Date(at),
    ...extra,
  });
}

beforeAll(async () => {
  app = buildTestApp();
  owner = await buildOwner(app);
  stranger = await buildOwner(app);
  rina = await buildReseller(app, { name: 'Rina Kartika' });
  shopId = (await buildShop(app, owner)).id;
  productId = (await buildProduct(app, owner, shopId)).id;
  await joinShop(app, rina, shopId, owner);

  // Rollup facts: January (one order at 31 Jan 17:30Z is 1 Feb in Jakarta) and March.
  const fact = (at: string, total: number, commission: number): void =>
    app.deps.rollups.add(orderFact({ shopId, productId, quantity: 2, total, commission, createdAt: new Date(at), attribution: { resellerId: rina.user.id } }, TZ));
  fact('2026-01-10T03:00:00Z', 100_000, 5_000);
  fact('2026-01-31T17:30:00Z', 40_000, 2_000);
  fact('2026-03-05T03:00:00Z', 60_000, 3_000);
  await app.deps.rollups.flush();

  // Ledger: Rp 5.000 earned in January, paid out in March; Rp 3.000 earned in March, still owed.
  await ledger('2025-12-20T03:00:00Z', 'accrue', 1_000, { pending: 1_000 });
  await ledger('2026-01-10T03:00:00Z', 'accrue', 5_000, { pending: 5_000 });
  await ledger('2026-02-02T03:00:00Z', 'approve', 0, { pending: -5_000, approved: 5_000 });
  await ledger('2026-02-10T03:00:00Z', 'release', 0, { approved: -5_000, available: 5_000 });
  await ledger('2026-03-01T03:00:00Z', 'payout_reserve', 0, { available: -5_000, reserved: 5_000 });
  await ledger('2026-03-03T03:00:00Z', 'payout_paid', 0, { reserved: -5_000, paid: 5_000 });
  await ledger('2026-03-05T03:00:00Z', 'accrue', 3_000, { pending: 3_000 });

  await order('2026-03-05T03:00:00Z', 60_000, '=HYPERLINK("http://jahat.example","klik")');
  await order('2026-03-06T03:00:00Z', 40_000, 'Budi');
  await order('2026-05-01T03:00:00Z', 10_000, 'Di luar rentang');
});

afterAll(() => app.deps.lifecycle.shutdown());

describe('GET /shops/:shopId/reports/monthly', () => {
  it('reports revenue, orders, commission paid and owed by month in the shop time zone (JSON)', async () => {
    // The clock (only Date) stands in mid-June 2026, so July to December have not begun and owe nothing yet.
    jest.useFakeTimers({ now: new Date('2026-06-15T05:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    let res;
    try {
      res = await app.http.get(`/api/v1/shops/${shopId}/reports/monthly?year=2026`).set(owner.auth);
    } finally {
      jest.useRealTimers();
    }
    expect(res.status).toBe(200);
    const report = res.body.data as MonthlyReport;
    expect(report.months).toHaveLength(12);
    const [jan, feb, mar, apr] = report.months;
    expect(jan).toEqual({ month: '2026-01', orders: 1, units: 2, revenue: 100_000, commission: 5_000, commissionPaid: 0, commissionOwed: 6_000 });
    expect(feb).toMatchObject({ orders: 1, revenue: 40_000, commissionPaid: 0, commissionOwed: 6_000 });
    expect(mar).toMatchObject({ orders: 1, revenue: 60_000, commissionPaid: 5_000, commissionOwed: 4_000 });
    expect(apr).toMatchObject({ orders: 0, revenue: 0, commissionPaid: 0, commissionOwed: 4_000 });
    expect(report.months[5]).toMatchObject({ month: '2026-06', commissionOwed: 4_000 });
    expect(report.months[6]).toMatchObject({ month: '2026-07', commissionOwed: 0 });
    expect(report.months[11]).toMatchObject({ commissionOwed: 0 });
    expect(report.totals).toEqual({ orders: 3, units: 6, revenue: 200_000, commission: 10_000, commissionPaid: 5_000 });
  });

  it('answers CSV (UTF-8 BOM, `;`, Indonesian headers) when asked with Accept: text/csv', async () => {
    const res = await app.http.get(`/api/v1/shops/${shopId}/reports/monthly?year=2026`).set(owner.auth).set('Accept', 'text/csv').buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="laporan-.*-2026\.csv"/);
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    const lines = res.text.slice(1).split('\r\n');
    expect(lines[0]).toBe('Bulan;Pesanan;Unit;Pendapatan (Rp);Komisi (Rp);Komisi dibayar (Rp);Komisi terutang (Rp)');
    expect(lines[1]).toBe('2026-01;1;2;100000;5000;0;6000');
    expect(lines[3]).toBe('2026-03;1;2;60000;3000;5000;4000');
    expect(lines[13]).toBe('Total;3;6;200000;10000;5000;');
  });

  it("is the shop owner's only, and validates the year", async () => {
    expect((await app.http.get(`/api/v1/shops/${shopId}/reports/monthly`).set(stranger.auth)).status).toBe(403);
    expect((await app.http.get(`/api/v1/shops/${shopId}/reports/monthly`).set(rina.auth)).status).toBe(403);
    const bad = await app.http.get(`/api/v1/shops/${shopId}/reports/monthly?year=20x6`).set(owner.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.year');
  });
});

describe('CSV exports', () => {
  it('streams the orders of a date range, formula cells neutralised', async () => {
    const res = await app.http.get(`/api/v1/shops/${shopId}/exports/orders.csv?from=2026-03-01&to=2026-03-31`).set(owner.auth).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    const lines = res.text.slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]!.split(';').slice(0, 3)).toEqual(['Tanggal', 'No. Pesanan', 'Status']);
    expect(lines[1]).toContain('2026-03-05 10:00;');
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://jahat.example"",""klik"")"`);
    expect(lines[1]).toContain('Rina Kartika;RINA01;code;checkout');
    expect(lines[1]).toContain(`;'+6281211112222;`);
    expect(lines[1]).toContain('"Jl. Ijen; No. 5, Malang"');
    expect(lines[2]).toContain(';Budi;');
    expect(res.text).not.toContain('Di luar rentang');
  });

  it('streams ledger entries of a date range', async () => {
    const res = await app.http.get(`/api/v1/shops/${shopId}/exports/ledger.csv?from=2026-02-01&to=2026-03-31`).set(owner.auth).buffer(true);
    expect(res.status).toBe(200);
    const lines = res.text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('Tanggal;Reseller;Jenis;Peran;Jumlah (Rp);Pending (Rp);Disetujui (Rp);Tersedia (Rp);Dicadangkan (Rp);Dibayar (Rp);No. Pesanan;No. Pencairan');
    expect(lines.slice(1).map((l) => l.split(';')[2])).toEqual(['approve', 'release', 'payout_reserve', 'payout_paid', 'accrue']);
    expect(lines[1]).toBe('2026-02-02 10:00;Rina Kartika;approve;reseller;0;-5000;5000;0;0;0;;');
  });

  it('refuses another owner and a bad range', async () => {
    expect((await app.http.get(`/api/v1/shops/${shopId}/exports/orders.csv`).set(stranger.auth)).status).toBe(403);
    expect((await app.http.get(`/api/v1/shops/${shopId}/exports/ledger.csv`).set(rina.auth)).status).toBe(403);
    const bad = await app.http.get(`/api/v1/shops/${shopId}/exports/orders.csv?from=2026-03-10&to=2026-03-01`).set(owner.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.to');
  });
});
