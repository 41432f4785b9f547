import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRupiah } from '@tular/shared';
import { api } from '../../api/client';
import { useLive } from '../../api/live';
import type { Owed, StatsResult } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { useI18n, type MessageKey } from '../../i18n';
import { addDays, formatDate, formatHour, localDate } from '../../lib/format';
import { applyLivePart, applyLiveSnapshot, applyStoredTotals, EMPTY_LIVE_TOTALS, loadTotals, saveTotals, type LiveDayTotals } from './liveTotals';
import { ShopGate } from './ShopGate';
import { ShopPicker } from './ShopPicker';
import { useCurrentShop } from './shopContext';
import { shortNumber } from './chartScale';

const TimeChart = lazy(() => import('./TimeChart'));

type By = 'product' | 'reseller' | 'segment' | 'channel';
const BYS: By[] = ['product', 'reseller', 'segment', 'channel'];

function Kpi({ label, value, testId }: { label: string; value: string | number; testId: string }) {
  // Re-keying on the value replays the flash animation whenever a number changes.
  return (
    <div className="kpi kpi-flash" key={String(value)} data-testid={testId}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={`${testId}-value`}>
        {value}
      </div>
    </div>
  );
}

export default function DashboardPage() {
  const { t, locale } = useI18n();
  const { shops, list, shop, setShopId } = useCurrentShop();
  const queryClient = useQueryClient();
  const [totals, setTotals] = useState<LiveDayTotals>(EMPTY_LIVE_TOTALS);
  const [events, setEvents] = useState<Array<{ id: number; text: string }>>([]);
  const [granularity, setGranularity] = useState<'hour' | 'day'>('hour');
  const [by, setBy] = useState<By>('product');
  const tz = shop?.timezone ?? 'Asia/Jakarta';
  const today = localDate(new Date(), tz);
  // The stats API reads a date-only `to` as through the end of that day.
  const range = granularity === 'hour' ? { from: today, to: today } : { from: addDays(today, -13), to: today };

  // A reload starts from what this tab last showed (sessionStorage), merged by version like any
  // snapshot: the stats API reads stored counters, which may still lag what the live figures showed.
  const room = shop ? `shop:${shop.id}` : null;
  const storage = typeof window === 'undefined' ? undefined : window.sessionStorage;
  useEffect(() => {
    if (!room) return;
    const saved = loadTotals(storage, room, today);
    if (saved) setTotals((prev) => (prev.room === room && prev.day === today && prev.complete ? prev : saved));
  }, [room, today, storage]);
  useEffect(() => saveTotals(storage, totals), [totals, storage]);

  const todayStats = useQuery({
    queryKey: ['stats', shop?.id, 'today', today],
    queryFn: async () => {
      const s = await api.get<StatsResult>(`/shops/${shop!.id}/stats`, { from: today, to: today, granularity: 'hour' });
      setTotals((prev) => applyStoredTotals(prev, `shop:${shop!.id}`, today, s.totals));
      return s;
    },
    enabled: Boolean(shop),
  });
  const series = useQuery({
    queryKey: ['stats', shop?.id, 'series', granularity, range.from],
    queryFn: () => api.get<StatsResult>(`/shops/${shop!.id}/stats`, { ...range, granularity }),
    enabled: Boolean(shop),
    refetchInterval: 60_000,
  });
  const breakdown = useQuery({
    queryKey: ['stats', shop?.id, 'by', by, today],
    queryFn: () => api.get<StatsResult>(`/shops/${shop!.id}/stats`, { from: today, to: today, granularity: 'day', by }),
    enabled: Boolean(shop),
    refetchInterval: 60_000,
  });
  const owed = useQuery({
    queryKey: ['owed', shop?.id],
    queryFn: () => api.get<Owed[]>(`/shops/${shop!.id}/earnings`),
    enabled: Boolean(shop),
  });

  // Rollups are written behind the request in batches: redraw the chart a moment after activity.
  const redrawTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (redrawTimer.current) clearTimeout(redrawTimer.current);
  }, []);
  const redrawSoon = () => {
    if (redrawTimer.current) return;
    redrawTimer.current = setTimeout(() => {
      redrawTimer.current = null;
      void queryClient.invalidateQueries({ queryKey: ['stats', shop?.id] });
    }, 3000);
  };
  const pushEvent = (text: string) => setEvents((prev) => [{ id: Date.now() + Math.random(), text }, ...prev].slice(0, 8));
  const live = useLive(shop ? [shop.id] : undefined, {
    stats: (s) => setTotals((prev) => applyLiveSnapshot(prev, s)),
    click: (e) => {
      setTotals((prev) => applyLivePart(prev, e));
      redrawSoon();
      if (e.clicks > 0) pushEvent(`${t('dash.event.click')} (${e.clicks})`);
    },
    order: (e) => {
      setTotals((prev) => applyLivePart(prev, e));
      redrawSoon();
      for (const item of e.items) if (item.previousStatus === null) pushEvent(t('dash.event.order', { total: formatRupiah(item.total) }));
      void queryClient.invalidateQueries({ queryKey: ['orders', shop?.id] });
    },
    commission: () => void queryClient.invalidateQueries({ queryKey: ['owed', shop?.id] }),
    payout: () => {
      void queryClient.invalidateQueries({ queryKey: ['owed', shop?.id] });
      void queryClient.invalidateQueries({ queryKey: ['payouts', shop?.id] });
    },
  }, Boolean(shop));

  if (!shop) return <ShopGate shops={shops} shop={shop}>{() => null}</ShopGate>;
  const owedTotal = (owed.data ?? []).reduce((sum, r) => sum + r.pending + r.approved + r.available + r.reserved, 0);
  const points = (series.data?.series ?? []).map((p) => ({
    label: granularity === 'hour' ? formatHour(p.start, locale, tz).slice(0, 2) : formatDate(p.start, locale, tz),
    bar: p.clicks,
    line: p.orders,
  }));
  return (
    <section className="stack" data-testid="dashboard">
      <div className="row">
        <h1>
          {t('dash.title')} · {shop.name}
        </h1>
        <span className={`live${live ? ' live-on' : ''}`} data-testid="live-indicator" data-live={live ? 'on' : 'off'}>
          <span className="live-dot" aria-hidden="true" />
          {live ? t('dash.live') : t('dash.offline')}
        </span>
      </div>
      <ShopPicker list={list} shop={shop} onChange={setShopId} />
      {todayStats.isError ? <p className="field-error">{t('common.error')}</p> : null}
      <div className="kpis">
        <Kpi label={t('dash.clicks')} value={totals.clicks} testId="kpi-clicks" />
        <Kpi label={t('dash.uniqueClicks')} value={totals.uniqueClicks} testId="kpi-unique" />
        <Kpi label={t('dash.orders')} value={totals.orders} testId="kpi-orders" />
        <Kpi label={t('dash.revenue')} value={formatRupiah(totals.revenue)} testId="kpi-revenue" />
        <Kpi label={t('dash.commission')} value={formatRupiah(owedTotal)} testId="kpi-commission" />
        <Kpi label={t('dash.previews')} value={totals.previews} testId="kpi-previews" />
      </div>
      {events.length ? (
        <div className="card" aria-live="polite">
          <h2 className="small-heading">{t('dash.recent')}</h2>
          <ul className="list" data-testid="live-events">
            {events.map((e) => (
              <li key={e.id}>{e.text}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="card stack">
        <div className="row">
          <h2>{t('dash.chart')}</h2>
          <div className="button-row">
            {(['hour', 'day'] as const).map((g) => (
              <button key={g} type="button" className={`btn btn-small ${granularity === g ? 'btn-primary' : 'btn-secondary'}`} onClick={() => setGranularity(g)}>
                {g === 'hour' ? t('dash.byHour') : t('dash.byDay')}
              </button>
            ))}
          </div>
        </div>
        <QueryState query={series}>
          {() => (
            <Suspense fallback={<div className="photo-placeholder" />}>
              <TimeChart points={points} barLabel={t('dash.clicks')} lineLabel={t('dash.orders')} format={(v) => shortNumber(v, locale)} />
            </Suspense>
          )}
        </QueryState>
      </div>
      <div className="card stack">
        <h2>{t('dash.breakdown')}</h2>
        <div className="button-row">
          {BYS.map((b) => (
            <button key={b} type="button" className={`btn btn-small ${by === b ? 'btn-primary' : 'btn-secondary'}`} onClick={() => setBy(b)}>
              {t(`dash.by.${b}` as MessageKey)}
            </button>
          ))}
        </div>
        <QueryState query={breakdown} isEmpty={(s) => !s.breakdown?.length} empty={t('dash.emptyBreakdown')}>
          {(s) => (
            <table className="table">
              <thead>
                <tr>
                  <th>{t(`dash.by.${by}` as MessageKey)}</th>
                  <th className="num">{t('dash.clicks')}</th>
                  <th className="num">{t('dash.orders')}</th>
                  <th className="num">{t('dash.revenue')}</th>
                </tr>
              </thead>
              <tbody>
                {(s.breakdown ?? []).map((row) => (
                  <tr key={row.key}>
                    <td>{by === 'segment' ? t(`segment.${row.key}` as MessageKey) : by === 'channel' ? t(`channel.${row.key}` as MessageKey) : row.label}</td>
                    <td className="num">{row.clicks}</td>
                    <td className="num">{row.orders}</td>
                    <td className="num">{formatRupiah(row.revenue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </div>
    </section>
  );
}
