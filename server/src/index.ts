import { loadConfig, ConfigError, type Config } from './config/env';
import { createLogger } from './lib/logger';
import { Lifecycle } from './lib/lifecycle';
import { resolveDatabaseEngine, uriWithDatabase } from './db/engine';
import { connectDatabase, disconnectDatabase } from './db/connection';
import { createTularServer } from './server';
import { EventBus } from './events/bus';
import { RollupWriter } from './rollups/rollupWriter';
import { startClickRetention } from './jobs/clickRetention';
import { startHoldReleaser } from './jobs/holdReleaser';

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

  const engine = await resolveDatabaseEngine({
    mongodbUri: config.mongodbUri,
    choice: config.dbEngine,
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    log: (msg) => logger.info(msg),
  });
  logger.info({ engine: engine.kind }, `database engine: ${engine.kind} — ${engine.reason}`);
  lifecycle.onShutdown('database engine', engine.stop);
  await connectDatabase(uriWithDatabase(engine.uri, 'tular'));
  lifecycle.onShutdown('database connection', disconnectDatabase);

  const rollups = new RollupWriter({ logger });
  // Registered after the database, so it flushes before the connection closes.
  lifecycle.onShutdown('rollup writer', () => rollups.close());
  const bus = new EventBus();
  const tular = createTularServer({ config, logger, lifecycle, bus, rollups });
  await new Promise<void>((resolve) => tular.server.listen(config.port, config.host, resolve));
  lifecycle.onShutdown('http server', () => tular.close());
  startClickRetention({ config, logger, lifecycle });
  startHoldReleaser({ bus, logger, lifecycle }, config.holdReleaseIntervalMs);
  const address = tular.server.address();
  logger.info({ address }, `Tular listening on ${config.publicUrl}`);

  let signalled = false;
  const stop = (signal: string): void => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000);
    hardStop.unref();
    void lifecycle.shutdown().then(() => {
      logger.info('bye');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`Tular could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
