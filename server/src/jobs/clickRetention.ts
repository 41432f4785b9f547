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

/** Starts the hourly purge; stops with the lifecycle. */
export function startClickRetention(deps: Pick<AppDeps, 'config' | 'logger' | 'lifecycle'>, intervalMs = 60 * 60_000): void {
  let running: Promise<unknown> | null = null;
  const run = (): void => {
    if (running) return;
    running = purgeOldClicks(deps.config.clickRetentionDays)
      .then((deleted) => {
        if (deleted > 0) deps.logger.info({ deleted, retentionDays: deps.config.clickRetentionDays }, 'purged old raw click events');
      })
      .catch((err: unknown) => deps.logger.warn({ err }, 'click retention run failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  deps.lifecycle.onShutdown('click retention', async () => {
    clearInterval(timer);
    await running;
  });
}
