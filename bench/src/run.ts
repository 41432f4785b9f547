import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchConfig } from './lib/config';
import { pinSelfToGeneratorCore, startBareServer, startDatabase, startTular, type Child, type Database } from './lib/procs';
import { connectSeeder, db, disconnectSeeder, seed } from './lib/seed';
import { benchRedirect, type RedirectFigures } from './benchmarks/redirect';
import { checkNoLostClicks, type ClickFigures } from './benchmarks/clicks';
import { fixedGenerator } from './lib/load';
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

async function main(): Promise<boolean> {
  const placement = pinSelfToGeneratorCore();
  const wanted = (name: string): boolean => benchConfig.only.length === 0 || benchConfig.only.includes(name);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`Tular benchmarks — ${machine}; ${placement}; redirect load generator: ${fixedGenerator.why}`);
  console.log(
    `settings: duration ${benchConfig.duration} s, warm-up ${benchConfig.warmup} s, ${benchConfig.rounds} rounds, ${benchConfig.connections} connections, ${benchConfig.links} links over ${benchConfig.shops} shops`,
  );

  const started = Date.now();
  // Last resort (start-up, seeding or shutdown stuck): the whole run is bounded too; exit hooks kill the children.
  const wholeRunS = 600 + 3 * stepTimeoutSeconds();
  setTimeout(() => {
    console.log(`\nbench: FAILED — the run exceeded ${wholeRunS} s (start-up, seeding or shutdown did not finish)`);
    process.exit(1);
  }, wholeRunS * 1000).unref();
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

    // A wedged database (or server) must end in a FAILED line and a non-zero exit, never a hang: every
    // benchmark runs against a watchdog; after a timeout the database is probed, and if it no longer
    // answers the remaining benchmarks are skipped (their numbers would be meaningless).
    let databaseWedged = false;
    const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
      if (!wanted(name)) return;
      if (databaseWedged) {
        result.errors[name] = 'skipped: the database stopped answering during an earlier benchmark';
        console.log(`\n${name}: NOT RUN — ${result.errors[name]}`);
        return;
      }
      const limitS = stepTimeoutSeconds();
      progress(`${name} (watchdog ${limitS} s)`);
      let timer: NodeJS.Timeout | undefined;
      const watchdog = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StepTimeout(`timed out after ${limitS} s (BENCH_STEP_TIMEOUT)`)), limitS * 1000);
      });
      try {
        await Promise.race([fn(), watchdog]);
      } catch (err) {
        result.errors[name] = err instanceof Error ? err.message : String(err);
        console.log(`\n${name}: FAILED — ${result.errors[name]}`);
        if (err instanceof StepTimeout) {
          const answers = await databaseAnswers();
          console.log(`  the database ${answers ? 'still answers a read on orders' : 'does NOT answer a read on orders within 5 s (wedged)'}`);
          if (!answers) databaseWedged = true;
        }
      } finally {
        clearTimeout(timer);
      }
    };
    // Checkout first, on a quiet database: the redirect load leaves a click backlog the database absorbs for a while.
    await step('checkout', async () => {
      result.checkout = await benchCheckout(tular!, seeded);
    });
    await step('redirect', async () => {
      result.redirect = await benchRedirect(tular!, bare!, seeded.loadCodes);
      if (!benchConfig.skipClickCheck) result.clicks = await checkNoLostClicks(result.redirect.tularAllRedirects, tular!.output, result.redirect.inFlightUncounted);
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
  for (const [name, error] of Object.entries(result.errors)) console.log(`  FAILED   ${name}: ${error}`);
  console.log(JSON.stringify(result));
  return Object.keys(result.errors).length === 0;
}

class StepTimeout extends Error {}

/** The per-benchmark limit: BENCH_STEP_TIMEOUT, else generous for the configured durations (defaults: 696 s). */
function stepTimeoutSeconds(): number {
  if (benchConfig.stepTimeout > 0) return benchConfig.stepTimeout;
  return Math.round(180 + 8 * (benchConfig.warmup + benchConfig.rounds * benchConfig.duration) + benchConfig.flushTimeout);
}

/** A read on `orders` within 5 s (server-side limit, and a client-side one should the reply never come). */
async function databaseAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const read = db().collection('orders').find({}, { maxTimeMS: 5000 }).limit(1).toArray().then(() => true, () => false);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 6000);
  });
  const answered = await Promise.race([read, late]);
  clearTimeout(timer);
  return answered;
}

main().then(
  // A benchmark that failed to run (or timed out) fails the command; NOT MET targets are results, not failures.
  (ok) => process.exit(ok ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
