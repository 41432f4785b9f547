import { lazy, Suspense, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api, fetchBlob } from '../../api/client';
import type { MonthlyReport } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errorText';
import { ShopGate } from './ShopGate';
import { ShopPicker } from './ShopPicker';
import { useCurrentShop } from './shopContext';
import { shortNumber } from './chartScale';

const TimeChart = lazy(() => import('./TimeChart'));

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function ReportPage() {
  const { t, locale } = useI18n();
  const { shops, list, shop, setShopId } = useCurrentShop();
  const [year, setYear] = useState(new Date().getFullYear());
  const [csvError, setCsvError] = useState<string | null>(null);
  const report = useQuery({
    queryKey: ['report', shop?.id, year],
    queryFn: () => api.get<MonthlyReport>(`/shops/${shop!.id}/reports/monthly`, { year }),
    enabled: Boolean(shop),
  });
  if (!shop) return <ShopGate shops={shops} shop={shop}>{() => null}</ShopGate>;
  const monthName = (m: string) => new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }).format(new Date(`${m.length === 7 ? m : `${year}-${m.padStart(2, '0')}`}-01T00:00:00Z`));
  return (
    <section className="stack">
      <h1>{t('report.title')}</h1>
      <ShopPicker list={list} shop={shop} onChange={setShopId} />
      <div className="row">
        <button type="button" className="btn btn-secondary btn-small" onClick={() => setYear(year - 1)} aria-label={String(year - 1)}>
          ‹
        </button>
        <strong>
          {t('report.year')} {year}
        </strong>
        <button type="button" className="btn btn-secondary btn-small" onClick={() => setYear(year + 1)} aria-label={String(year + 1)}>
          ›
        </button>
      </div>
      <QueryState query={report} isEmpty={(r) => r.months.every((m) => m.orders === 0)} empty={t('report.empty')}>
        {(r) => (
          <>
            <Suspense fallback={<div className="photo-placeholder" />}>
              <TimeChart points={r.months.map((m) => ({ label: monthName(m.month), bar: m.revenue }))} barLabel={t('report.revenue')} format={(v) => shortNumber(v, locale)} />
            </Suspense>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('report.month')}</th>
                  <th className="num">{t('report.orders')}</th>
                  <th className="num">{t('report.revenue')}</th>
                  <th className="num">{t('report.commission')}</th>
                </tr>
              </thead>
              <tbody>
                {r.months.map((m) => (
                  <tr key={m.month}>
                    <td>{monthName(m.month)}</td>
                    <td className="num">{m.orders}</td>
                    <td className="num">{formatRupiah(m.revenue)}</td>
                    <td className="num">{formatRupiah(m.commission)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>
      {csvError ? <p className="field-error">{csvError}</p> : null}
      {(
        [
          ['report.csv', `/shops/${shop.id}/reports/monthly?year=${year}`, `laporan-${shop.slug}-${year}.csv`, 'csv-report'],
          ['report.ordersCsv', `/shops/${shop.id}/exports/orders.csv?from=${year}-01-01&to=${year}-12-31`, `pesanan-${shop.slug}-${year}.csv`, 'csv-orders'],
          ['report.ledgerCsv', `/shops/${shop.id}/exports/ledger.csv?from=${year}-01-01&to=${year}-12-31`, `komisi-${shop.slug}-${year}.csv`, 'csv-ledger'],
        ] as const
      ).map(([label, path, filename, testId], i) => (
        <button
          key={testId}
          type="button"
          className={`btn btn-block ${i === 0 ? 'btn-primary' : 'btn-secondary'}`}
          data-testid={testId}
          onClick={() => {
            setCsvError(null);
            fetchBlob(path, 'text/csv')
              .then((blob) => downloadBlob(blob, filename))
              .catch((err: unknown) => setCsvError(errorText(err, t)));
          }}
        >
          {t(label)}
        </button>
      ))}
    </section>
  );
}
