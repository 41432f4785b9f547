import { loadConfig, ConfigError, type Config } from './config/env';
import { createLogger } from './lib/logger';
import { Lifecycle } from './lib/lifecycle';
import { SERVICE_DATABASE, resolveConfiguredEngine, uriWithDatabase } from './db/engine';
import { connectDatabase, disconnectDatabase } from './db/connection';
import { createTularServer } from './server';
import { EventBus } from './events/bus';
import { RollupWriter } from './rollups/rollupWriter';
import { startClickRetention } from './jobs/clickRetention';
import { startHoldReleaser } from './jobs/holdReleaser';
import { flushTipHints } from './commands/ledger/tipHints';

/** How long a signalled shutdown (including waiting for an unfinished start-up) may take before a hard exit. */
const HARD_STOP_MS = 20_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const lifecycle = new Lifecycle(logger);

  // Installed before anything starts: a SIGTERM while the engine is still starting (the first
  // FerretDB build can take minutes) must stop what has started, not kill us and orphan FerretDB.
  let signalled = false;
  let startup: Promise<void> = Promise.resolve();
  const stop = (signal: string): void => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down: draining requests and flushing buffers');
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, HARD_STOP_MS);
    hardStop.unref();
    void startup
      .catch(() => undefined)
      .then(() => lifecycle.shutdown())
      .then(() => {
        logger.info('shutdown complete: requests drained, clicks and rollups flushed, database closed');
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // Each step registers its shutdown hook as soon as it exists, and start-up ends early once signalled.
  const start = async (): Promise<void> => {
    const engine = await resolveConfiguredEngine(config, (msg) => logger.info(msg));
    lifecycle.onShutdown('database engine', engine.stop);
    logger.info({ engine: engine.kind }, `database engine: ${engine.kind} — ${engine.reason}`);
    if (signalled) return;
    await connectDatabase(uriWithDatabase(engine.uri, SERVICE_DATABASE));
    lifecycle.onShutdown('database connection', disconnectDatabase);
    // Before the connection closes: the ledger's tip hints are written behind the entries.
    lifecycle.onShutdown('ledger tip hints', flushTipHints);
    if (signalled) return;

    const rollups = new RollupWriter({ logger });
    // Registered after the database, so it flushes before the connection closes.
    lifecycle.onShutdown('rollup writer', () => rollups.close());
    const bus = new EventBus();
    const tular = createTularServer({ config, logger, lifecycle, bus, rollups });
    await new Promise<void>((resolve) => tular.server.listen(config.port, config.host, resolve));
    lifecycle.onShutdown('http server', () => tular.close());
    if (signalled) return;
    startClickRetention({ config, logger, lifecycle });
    startHoldReleaser({ bus, rollups, logger, lifecycle }, config.holdReleaseIntervalMs);
    const address = tular.server.address();
    logger.info({ address }, `Tular listening on ${config.publicUrl}`);
  };
  startup = start();
  try {
    await startup;
  } catch (err) {
    if (signalled) return; // the signal handler finishes the shutdown
    console.error(`Tular could not start: ${err instanceof Error ? err.message : String(err)}`);
    // Stop whatever did start (an engine whose connection failed, say) before giving up.
    await lifecycle.shutdown();
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(`Tular could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
