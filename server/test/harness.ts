import crypto from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import { loadConfig, type Config } from '../src/config/env';
import { createLogger } from '../src/lib/logger';
import { Lifecycle } from '../src/lib/lifecycle';
import { uriWithDatabase } from '../src/db/engine';
import { connectDatabase } from '../src/db/connection';
import { createTularServer, type TularServer } from '../src/server';
import type { AppDeps } from '../src/appDeps';
import { EventBus } from '../src/events/bus';
import { RollupWriter } from '../src/rollups/rollupWriter';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ NODE_ENV: 'test', RATE_LIMIT_AUTH_PER_MINUTE: '10000' }), ...overrides };
}

/** Connects this test file to a database of its own on the shared engine and drops it afterwards. */
export function useTestDatabase(): { name: string } {
  const state = { name: `t_${process.env.JEST_WORKER_ID ?? '0'}_${crypto.randomBytes(4).toString('hex')}` };
  beforeAll(async () => {
    const base = process.env.TULAR_TEST_DB_URI;
    if (!base) throw new Error('TULAR_TEST_DB_URI is not set: run tests through jest with the globalSetup');
    await connectDatabase(uriWithDatabase(base, state.name));
  });
  afterAll(async () => {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  });
  return state;
}

export interface TestApp extends TularServer {
  deps: AppDeps;
  http: ReturnType<typeof request>;
}

/** A full server (not listening) with its deps; `http` is a supertest agent against it. */
export function buildTestApp(overrides: Partial<Config> = {}): TestApp {
  const config = testConfig(overrides);
  const logger = createLogger(config.logLevel);
  const rollups = new RollupWriter({ logger });
  const deps: AppDeps = { config, logger, lifecycle: new Lifecycle(logger), bus: new EventBus(), rollups };
  deps.lifecycle.onShutdown('rollup writer', () => rollups.close());
  const server = createTularServer(deps);
  return { ...server, deps, http: request(server.server) };
}
