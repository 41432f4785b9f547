import { ObjectIdSchema } from '@tular/shared';
import { loadConfig } from '../config/env';
import { withServiceDatabase } from './withServiceDatabase';
import { rebuildRollups } from '../rollups/rollupRebuilder';

/** `npm run rollups:rebuild -w @tular/server [-- <shopId>]`: recompute stats rollups: orders for all time, clicks inside the raw-event retention window. */
async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg && !ObjectIdSchema.safeParse(arg).success) {
    throw new Error(`"${arg}" is not a shop id. Usage: npm run rollups:rebuild -w @tular/server [-- <shopId>]`);
  }
  const shopId = arg || undefined;
  const config = loadConfig();
  await withServiceDatabase(config, async () => {
    const started = Date.now();
    const result = await rebuildRollups({ shopId, clickRetentionDays: config.clickRetentionDays });
    console.log(
      `rollups rebuilt for ${result.shops} shop(s): ${result.clicks} clicks, ${result.orders} orders, ${result.deleted} old documents replaced, ` +
        `click counters kept in ${result.keptClickBuckets} bucket documents older than CLICK_RETENTION_DAYS=${config.clickRetentionDays}, in ${Date.now() - started} ms`,
    );
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
