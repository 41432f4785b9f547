import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFerretdb, freePort, startFerretdb, type FerretdbProcess } from '../../../server/src/db/ferretdb';
import { ROOT } from './config';

/**
 * Core placement on this 2-core kind of machine: the server under test gets core 0 to itself; the
 * load generator (this process), the socket clients and the database share core 1. Without
 * taskset (or with one core) nothing is pinned and the report says so.
 */
export const pinning = ((): { server: string[]; generator: string | null; database: string[] } => {
  const has = spawnSync('taskset', ['-V'], { encoding: 'utf8' }).status === 0;
  if (!has || os.availableParallelism() < 2) return { server: [], generator: null, database: [] };
  return { server: ['taskset', '-c', '0'], generator: '1', database: ['taskset', '-c', '1'] };
})();

export function pinSelfToGeneratorCore(): string {
  if (!pinning.generator) return 'not pinned (taskset unavailable or a single core)';
  spawnSync('taskset', ['-a', '-p', '-c', pinning.generator, String(process.pid)], { stdio: 'ignore' });
  return `server on core 0, load generator + database on core ${pinning.generator}`;
}

export const JWT_SECRET = `bench-jwt-${crypto.randomBytes(16).toString('hex')}`;

export interface Child {
  proc: ChildProcess;
  url: string;
  port: number;
  /** The last lines the process wrote (for errors and shed counters). */
  output(): string;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

function track(proc: ChildProcess): () => string {
  let out = '';
  // BENCH_SERVER_LOG=<file>: every child's output is appended there too (e.g. with --trace-gc).
  const log = process.env.BENCH_SERVER_LOG;
  const collect = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-20_000);
    if (log) fs.appendFileSync(log, chunk);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const kill = (): void => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  };
  process.once('exit', kill);
  proc.once('exit', () => process.removeListener('exit', kill));
  return () => out;
}

function stopper(proc: ChildProcess) {
  return (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 25_000): Promise<number | null> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      proc.kill(signal);
    });
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before it was ready:\n${output().slice(-3000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Database extends FerretdbProcess {
  dir: string;
  /** FerretDB's own count of the commands it has received so far, per command name (its debug metrics, on loopback). */
  commandCounts(): Promise<Map<string, number>>;
}

let current: Database | undefined;
/** The benchmark's database, once started (the benchmarks read its command counts). */
export function benchDatabase(): Database {
  if (!current) throw new Error('the benchmark database is not running');
  return current;
}

const COMMAND_METRIC = /^ferretdb_client_requests_total\{[^}]*command="([^"]+)"[^}]*\} (\d+)/;

/** A dedicated FerretDB on a throw-away directory (tmpfs when there is one), pinned off the server's core. */
export async function startDatabase(): Promise<Database> {
  const cacheDir = path.resolve(process.env.TULAR_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'tular'));
  const binary = ensureFerretdb(cacheDir, (m) => console.error(`[bench] ${m}`));
  const dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'tular-bench-db-'));
  const debugPort = await freePort();
  const db = await startFerretdb(binary, dir, undefined, { debugPort });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  // startFerretdb spawns the binary itself; move it (all its threads) next to the generator.
  if (pinning.generator) {
    const pids = spawnSync('pgrep', ['-f', `sqlite-url=file:${dir}/`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const pid of pids) spawnSync('taskset', ['-a', '-p', '-c', pinning.generator, pid], { stdio: 'ignore' });
  }
  current = {
    ...db,
    dir,
    commandCounts: async () => {
      const res = await fetch(`http://127.0.0.1:${debugPort}/debug/metrics`, { signal: AbortSignal.timeout(5000) });
      const counts = new Map<string, number>();
      for (const line of (await res.text()).split('\n')) {
        const m = COMMAND_METRIC.exec(line);
        if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + Number(m[2]));
      }
      return counts;
    },
    stop: async () => {
      current = undefined;
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return current;
}

/** Extra `node` flags from a space-separated environment variable. */
const nodeArgsFrom = (name: string): string[] => (process.env[name] ?? '').split(' ').filter(Boolean);

/** The node flags `npm start` gives the server (V8 heap flags, the tsx loader), read from the root package.json so the two cannot drift. */
function startFlags(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = manifest.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('server/src/index.ts'));
}

/** The real Tular server (src/index.ts) as a child process on core 0, against `mongodbUri`. */
export async function startTular(mongodbUri: string, env: Record<string, string> = {}): Promise<Child> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-bench-data-'));
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": profile the server under load (written when it stops).
  const nodeArgs = nodeArgsFrom('BENCH_SERVER_NODE_ARGS');
  // After npm start's flags, so an extra V8 flag overrides one of them (the last one counts).
  const cmd = [...pinning.server, process.execPath, ...startFlags(), ...nodeArgs, 'server/src/index.ts'];
  const proc = spawn(cmd[0]!, cmd.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      MONGODB_URI: mongodbUri,
      TULAR_DB_ENGINE: 'ferretdb',
      DATA_DIR: dataDir,
      JWT_SECRET,
      COOKIE_SECRET: `bench-cookie-${'x'.repeat(32)}`,
      IP_HASH_SALT: 'bench-ip-hash-salt-0123456789',
      LOG_LEVEL: 'warn',
      // The checkout benchmark sends X-Forwarded-For per buyer, as a reverse proxy would.
      TRUST_PROXY: 'true',
      // The generator is one IP: per-IP limits would measure the limiter, not the redirect.
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
      RATE_LIMIT_REDIRECT_PER_MINUTE: '100000000',
      ...env,
    },
  });
  const output = track(proc);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(proc);
  try {
    await waitForHttp(`${url}/readyz`, proc, output);
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return {
    proc,
    url,
    port,
    output,
    stop: async (signal, timeoutMs) => {
      const code = await stop(signal, timeoutMs);
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** The baseline: a bare node:http server answering 302 from a Map, as a child process on the same core. */
export async function startBareServer(codesFile: string): Promise<Child> {
  const port = await freePort();
  // BENCH_BARE_NODE_ARGS: the same for the baseline (e.g. to profile it beside the server).
  const nodeArgs = nodeArgsFrom('BENCH_BARE_NODE_ARGS');
  const cmd = [...pinning.server, process.execPath, ...nodeArgs, '--import', 'tsx', path.join(__dirname, '..', 'bareRedirectServer.ts')];
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: String(port), CODES_FILE: codesFile } });
  const output = track(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc, output, 15_000);
  return { proc, url, port, output, stop: stopper(proc) };
}
