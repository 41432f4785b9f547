import { loadConfig } from '../config/env';
import { withServiceDatabase } from './withServiceDatabase';
import { backfillLinkCodes } from '../commands/links/linkByCode';
import { backfillMemberships } from '../commands/memberships/membershipOf';
import { backfillFulfilledSales } from '../commands/orders/fulfilledSales';
import { backfillLedgerTips } from '../commands/ledger/ledgerWriter';

/**
 * `npm run lookups:rebuild -w @tular/server`: once after upgrading a deployment whose data predates
 * them, writes the `_id`-keyed documents the checkout reads instead of scanning: link-code and
 * membership pointers, this and last month's fulfilled sales per reseller, ledger tip hints. Safe to
 * run while the service runs, and again.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  await withServiceDatabase(config, async () => {
    const started = Date.now();
    const links = await backfillLinkCodes();
    const memberships = await backfillMemberships();
    const sales = await backfillFulfilledSales();
    const accounts = await backfillLedgerTips();
    console.log(
      `lookups rebuilt: ${links} link-code and ${memberships} membership pointers written, ${sales} fulfilled orders counted, ` +
        `${accounts} ledger tips set, in ${Date.now() - started} ms`,
    );
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
