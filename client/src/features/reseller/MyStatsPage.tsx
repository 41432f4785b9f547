import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import type { StatsResult } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { addDays, formatDate, localDate } from '../../lib/format';
import { shortNumber } from '../owner/chartScale';

const TimeChart = lazy(() => import('../owner/TimeChart'));

export default function MyStatsPage() {
  const { t, locale } = useI18n();
  const today = localDate(new Date());
  const stats = useQuery({
    queryKey: ['my-stats', today],
    queryFn: () => api.get<StatsResult>('/me/stats', { from: addDays(today, -13), to: today, granularity: 'day', by: 'product' }),
  });
  return (
    <section className="stack">
      <h1>{t('stats.title')}</h1>
      <QueryState query={stats}>
        {(s) => (
          <>
            <div className="kpis">
              <div className="kpi">
                <div className="kpi-label">{t('dash.clicks')}</div>
                <div className="kpi-value">{s.totals.clicks}</div>
              </div>
              <div className="kpi">
                <div className="kpi-label">{t('dash.orders')}</div>
                <div className="kpi-value">{s.totals.orders}</div>
              </div>
              <div className="kpi">
                <div className="kpi-label">{t('earnings.title')}</div>
                <div className="kpi-value">{formatRupiah(s.totals.commission)}</div>
              </div>
            </div>
            <Suspense fallback={<div className="photo-placeholder" />}>
              <TimeChart points={s.series.map((p) => ({ label: formatDate(p.start, locale), bar: p.clicks, line: p.orders }))} barLabel={t('dash.clicks')} lineLabel={t('dash.orders')} format={(v) => shortNumber(v, locale)} />
            </Suspense>
            {s.breakdown?.length ? (
              <table className="table">
                <tbody>
                  {s.breakdown.map((row) => (
                    <tr key={row.key}>
                      <td>{row.label}</td>
                      <td className="num">{row.clicks}</td>
                      <td className="num">{row.orders}</td>
                      <td className="num">{formatRupiah(row.commission)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="state state-empty">{t('dash.emptyBreakdown')}</p>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
