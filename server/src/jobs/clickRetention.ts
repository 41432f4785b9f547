import type { AppDeps } from '../appDeps';
import { ClickEventModel } from '../models/ClickEvent';

const DAY_MS = 86_400_000;

/**
 * Deletes raw click events older than the retention (CLICK_RETENTION_DAYS, default 90); the rollup
 * counters are kept forever. A job rather than a TTL index because FerretDB v1 has no TTL indexes.
 * Idempotent, so running it on several instances at once only repeats the same delete.
 */
export async function purgeOldClicks(retentionDays: number, now: Date = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const { deletedCount } = await ClickEventModel.deleteMany({ at: { $lt: cutoff } });
  return deletedCount;
}

export interface ClickRetentionTiming {
  /** Between runs (hourly). */
  intervalMs?: number;
  /** Until the first run: soon after boot (a restart must not postpone the purge another hour), but not during the warm-up. */
  firstRunMs?: number;
}

/** Runs the purge shortly after start, then hourly; stops with the lifecycle. Timers are unref'd: they never keep the process up. */
export function startClickRetention(
  deps: Pick<AppDeps, 'config' | 'logger' | 'lifecycle'>,
  { intervalMs = 60 * 60_000, firstRunMs = 30_000 }: ClickRetentionTiming = {},
): { runs: () => number } {
  let running: Promise<unknown> | null = null;
  let runs = 0;
  let stopped = false;
  const run = (): void => {
    if (running || stopped) return;
    runs += 1;
    running = purgeOldClicks(deps.config.clickRetentionDays)
      .then((deleted) => {
        if (deleted > 0) deps.logger.info({ deleted, retentionDays: deps.config.clickRetentionDays }, 'purged old raw click events');
      })
      .catch((err: unknown) => deps.logger.warn({ err }, 'click retention run failed'))
      .finally(() => (running = null));
  };
  const first = setTimeout(run, firstRunMs);
  first.unref();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  deps.lifecycle.onShutdown('click retention', async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  });
  return { runs: () => runs };
}
