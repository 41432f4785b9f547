import { resolveDatabaseEngine } from '../src/db/engine';
import { loadConfig } from '../src/config/env';

/** One engine for the whole run; each test file then uses its own database on it. */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const engine = await resolveDatabaseEngine({
    mongodbUri: process.env.MONGODB_URI,
    choice: config.dbEngine,
    cacheDir: config.cacheDir,
    log: (msg) => process.stderr.write(`[db] ${msg}\n`),
    memoryServerTimeoutMs: 30_000,
  });
  process.stderr.write(`\n[db] test engine: ${engine.kind} — ${engine.reason}\n`);
  process.env.TULAR_TEST_DB_URI = engine.uri;
  process.env.TULAR_TEST_DB_KIND = engine.kind;
  (globalThis as { __tularEngine?: typeof engine }).__tularEngine = engine;
}
