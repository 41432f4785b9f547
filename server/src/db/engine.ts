import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/env';
import { ensureFerretdb, startFerretdb, FERRETDB_VERSION } from './ferretdb';

export type EngineKind = 'uri' | 'memory-server' | 'ferretdb';
export type EngineChoice = 'auto' | 'memory-server' | 'ferretdb';

export interface DatabaseEngine {
  kind: EngineKind;
  /** Server URI without a database name, ending in `/` (or the configured URI as given). */
  uri: string;
  reason: string;
  stop(): Promise<void>;
}

export interface ResolveOptions {
  mongodbUri?: string;
  choice: EngineChoice;
  /** Persistent storage directory (npm start); omitted means throw-away storage (tests). */
  dataDir?: string;
  cacheDir: string;
  log: (msg: string) => void;
  /** How long mongodb-memory-server may try before we fall back (its download cannot happen offline). */
  memoryServerTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

async function startMemoryServer(dataDir: string | undefined, timeoutMs: number): Promise<DatabaseEngine> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const dbPath = dataDir ? path.join(dataDir, 'mongod') : undefined;
  if (dbPath) fs.mkdirSync(dbPath, { recursive: true });
  const server = await withTimeout(
    MongoMemoryServer.create({ instance: { ip: '127.0.0.1', dbPath, storageEngine: 'wiredTiger' } }),
    timeoutMs,
    'mongodb-memory-server start (mongod download)',
  );
  return {
    kind: 'memory-server',
    uri: server.getUri().replace(/\/?$/, '/'),
    reason: 'MONGODB_URI is not set and mongodb-memory-server could start a real mongod',
    stop: async () => {
      await server.stop({ doCleanup: !dataDir, force: false });
    },
  };
}

async function startFerret(opts: ResolveOptions, why: string): Promise<DatabaseEngine> {
  const binary = ensureFerretdb(opts.cacheDir, opts.log);
  const persistent = Boolean(opts.dataDir);
  const dir = opts.dataDir
    ? path.join(opts.dataDir, 'ferretdb')
    : fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'tular-ferretdb-'));
  // A persistent directory records its FerretDB's pid, so one orphaned by a killed server is reaped on the next start.
  const proc = await startFerretdb(binary, dir, undefined, { pidFile: opts.dataDir ? path.join(opts.dataDir, 'ferretdb.pid') : undefined, log: opts.log });
  return {
    kind: 'ferretdb',
    uri: proc.uri,
    reason: `${why}; FerretDB ${FERRETDB_VERSION} on SQLite (${persistent ? `files in ${dir}` : `throw-away files in ${dir}`})`,
    stop: async () => {
      await proc.stop();
      if (!persistent) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One line that still says why: mongodb-memory-server puts the cause after "Details:" on the next
 * line (e.g. `Download failed for url "…", Details:\ngetaddrinfo ENOTFOUND fastdl.mongodb.org`).
 * Stack frames are dropped; the rest is joined and capped.
 */
export function failureReason(err: unknown, maxLength = 600): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^at\s/.test(l));
  const joined = lines.join(' ').replace(/\s+/g, ' ');
  return joined.length > maxLength ? `${joined.slice(0, maxLength - 1)}…` : joined || 'unknown error';
}

/**
 * The one place that decides which MongoDB-compatible server Tular talks to:
 * MONGODB_URI, else mongodb-memory-server, else FerretDB v1 (built with Go on first use).
 */
export async function resolveDatabaseEngine(opts: ResolveOptions): Promise<DatabaseEngine> {
  if (opts.mongodbUri) {
    return { kind: 'uri', uri: opts.mongodbUri, reason: 'MONGODB_URI is set', stop: async () => undefined };
  }
  if (opts.choice === 'ferretdb') return startFerret(opts, 'TULAR_DB_ENGINE=ferretdb');
  const failures: string[] = [];
  try {
    return await startMemoryServer(opts.dataDir, opts.memoryServerTimeoutMs ?? 60_000);
  } catch (err) {
    const message = failureReason(err);
    if (opts.choice === 'memory-server') throw new Error(`TULAR_DB_ENGINE=memory-server but mongod could not start: ${message}`);
    failures.push(`mongodb-memory-server failed: ${message}`);
  }
  try {
    return await startFerret(opts, failures.join('; '));
  } catch (err) {
    failures.push(`FerretDB failed: ${(err as Error).message}`);
    throw new Error(`No database engine could be started. Set MONGODB_URI to a running MongoDB.\n  - ${failures.join('\n  - ')}`);
  }
}

/** `mongodb://host:port/` + name, keeping any query string of a configured URI. */
export function uriWithDatabase(serverUri: string, dbName: string): string {
  const url = new URL(serverUri);
  if (url.pathname && url.pathname !== '/') return serverUri;
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** The database the service and its commands (admin:create, rollups:rebuild) use on an engine. */
export const SERVICE_DATABASE = 'tular';

/** Resolves the engine the configuration asks for, persisting under DATA_DIR: `npm start` and the CLI commands alike. */
export function resolveConfiguredEngine(
  config: Pick<Config, 'mongodbUri' | 'dbEngine' | 'dataDir' | 'cacheDir'>,
  log: (msg: string) => void,
): Promise<DatabaseEngine> {
  return resolveDatabaseEngine({ mongodbUri: config.mongodbUri, choice: config.dbEngine, dataDir: config.dataDir, cacheDir: config.cacheDir, log });
}
