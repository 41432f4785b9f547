import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchConfig } from './lib/config';
import { pinSelfToGeneratorCore, startBareServer, startDatabase, startTular, type Child, type Database } from './lib/procs';
import { connectSeeder, disconnectSeeder, seed } from './lib/seed';
import { benchRedirect, type RedirectFigures } from './benchmarks/redirect';
import { checkNoLostClicks, type ClickFigures } from './benchmarks/clicks';
import { benchFanout, type FanoutFigures } from './benchmarks/fanout';
import { benchCheckout, type CheckoutFigures } from './benchmarks/checkout';

/**
 * `npm run bench`: starts a dedicated FerretDB, the real Tular server and the baselines as child
 * processes, runs each benchmark, prints tables and verdicts, and ends with one JSON line.
 */
/** Progress goes to stderr so stdout stays tables + the final JSON line. */
export const progress = (msg: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

// A timeout or Ctrl-C must not orphan the children: exiting runs their 'exit' kill hooks.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(130));

async function main(): Promise<void> {
  const placement = pinSelfToGeneratorCore();
  const wanted = (name: string): boolean => benchConfig.only.length === 0 || benchConfig.only.includes(name);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`Tular benchmarks — ${machine}; ${placement}`);
  console.log(
    `settings: duration ${benchConfig.duration} s, warm-up ${benchConfig.warmup} s, ${benchConfig.rounds} rounds, ${benchConfig.connections} connections, ${benchConfig.links} links over ${benchConfig.shops} shops`,
  );

  const started = Date.now();
  const result: {
    machine: string;
    placement: string;
    settings: typeof benchConfig;
    redirect?: RedirectFigures;
    clicks?: ClickFigures;
    fanout?: FanoutFigures;
    checkout?: CheckoutFigures;
    errors: Record<string, string>;
    seconds?: number;
  } = { machine, placement, settings: benchConfig, errors: {} };

  let database: Database | undefined;
  let tular: Child | undefined;
  let bare: Child | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-bench-'));
  try {
    progress('starting FerretDB and the Tular server');
    database = await startDatabase();
    await connectSeeder(database.uri);
    progress('seeding');
    const seeded = await seed({ links: benchConfig.links, shops: benchConfig.shops, probeShops: 10, stock: 1_000_000 });
    // Seeded before the server starts, as in production: the server meets its links the way it would after a restart.
    tular = await startTular(database.uri);
    const codesFile = path.join(tmp, 'codes.json');
    fs.writeFileSync(codesFile, JSON.stringify(seeded.loadCodes));
    bare = await startBareServer(codesFile);

    const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
      if (!wanted(name)) return;
      progress(name);
      try {
        await fn();
      } catch (err) {
        result.errors[name] = err instanceof Error ? err.message : String(err);
        console.log(`\n${name}: FAILED TO RUN — ${result.errors[name]}`);
      }
    };
    // Checkout first, on a quiet database: the redirect load leaves a click backlog the database absorbs for a while.
    await step('checkout', async () => {
      result.checkout = await benchCheckout(tular!, seeded);
    });
    await step('redirect', async () => {
      result.redirect = await benchRedirect(tular!, bare!, seeded.loadCodes);
      result.clicks = await checkNoLostClicks(result.redirect.tularRedirects, result.redirect.measuredSince, tular!.output, result.redirect.inFlightUncounted);
    });
    await step('fanout', async () => {
      result.fanout = await benchFanout(tular!, seeded);
    });
  } finally {
    progress('stopping');
    await bare?.stop();
    await tular?.stop();
    await disconnectSeeder().catch(() => undefined);
    await database?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  result.seconds = Math.round((Date.now() - started) / 1000);

  const verdicts: Array<[string, boolean | undefined]> = [
    ['redirect throughput ≥ 50% of bare', result.redirect?.throughputMet],
    ['redirect p99 ≤ 2× bare', result.redirect?.latencyMet],
    ['0 lost clicks', result.clicks?.met],
    ['checkout ≥ 25% of raw insertOne, 0 oversold, 0 duplicate ledger entries', result.checkout?.met],
    ['live fan-out p99 ≤ 100 ms', result.fanout?.met],
  ];
  console.log('\nSummary');
  for (const [target, met] of verdicts) console.log(`  ${met === undefined ? 'NOT RUN ' : met ? 'MET     ' : 'NOT MET '} ${target}`);
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
