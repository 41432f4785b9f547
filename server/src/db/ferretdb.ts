import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

/** Go must never phone home either: no toolchain download, no telemetry upload. */
function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOTELEMETRY: 'off', GOFLAGS: '-buildvcs=false', ...extra };
}

function worksAsFerretdb(binary: string): boolean {
  if (!fs.existsSync(binary)) return false;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 && r.stdout.includes(FERRETDB_VERSION);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r.stdout;
}

interface SourceFix {
  file: string;
  from: string;
  to: string;
}

/**
 * FerretDB v1.24.2's SQLite backend creates the unique `_id` index on `_ferretdb_sjson->"_id"` but
 * queries with `_ferretdb_sjson->'$._id'`, an expression SQLite does not match to that index: every
 * lookup, update and delete by `_id` scans the whole table (measured on 40,000 documents: 7 upserts/s;
 * with the expressions matching: 5,700/s). The one-line fix makes the query use the index's own
 * expression (`->'_id'` is SQLite's shorthand for `->'$._id'`, same value); same results, same files.
 */
const SQLITE_ID_COLUMN: SourceFix = { file: path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'), from: `IDColumn = DefaultColumn + "->'$._id'"`, to: `IDColumn = DefaultColumn + "->'_id'"` };

/**
 * FerretDB tracks the lifetime of every iterator, cursor and connection with a custom pprof profile
 * (a stack trace captured per object) and a finalizer that panics on a leak — in release builds too,
 * where the leak check can only crash the database. Profiled here (`/debug/pprof/profile` under a
 * find-by-`_id` loop) that tracking was 16% of FerretDB's CPU; with it only in debug builds
 * (`ferretdb_debug` tag, where it gives its stack traces), FerretDB spends 10–18% less CPU per insert,
 * read, update and upsert (interleaved runs, each process on its own core). No query or result changes.
 */
const RESOURCE_TRACKING: SourceFix[] = ['Track', 'Untrack'].map((fn) => ({
  file: path.join('internal', 'util', 'resource', 'resource.go'),
  from: `func ${fn}(obj any, token *Token) {\n`,
  to: `func ${fn}(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n`,
}));

const SOURCE_FIXES: SourceFix[] = [SQLITE_ID_COLUMN, ...RESOURCE_TRACKING];
/** Part of the cache directory name: a binary built before these fixes is never reused. */
const BUILD_TAG = 'sqlite-id-index-untracked';

/**
 * Returns the path of a working FerretDB binary, building it once into the cache directory: the
 * module source of v1.24.2 comes through the Go module proxy (`go mod download`; a plain `go install`
 * cannot apply the fixes above, and on these machines the proxy refuses its version
 * lookup anyway), gets build/version/version.txt (without it the binary panics) and the fixes, and is
 * built with `go build` into a temporary file renamed into place (parallel first uses never run a
 * half-written binary).
 */
export function ensureFerretdb(cacheDir: string, log: (msg: string) => void): string {
  const binDir = path.join(cacheDir, `ferretdb-${FERRETDB_VERSION}-${BUILD_TAG}`);
  const binary = path.join(binDir, 'ferretdb');
  if (worksAsFerretdb(binary)) return binary;
  fs.mkdirSync(binDir, { recursive: true });
  try {
    run('go', ['version'], { env: goEnv(), timeoutMs: 30_000 });
  } catch (err) {
    throw new Error(`FerretDB ${FERRETDB_VERSION} is not installed and Go is not available to build it: ${(err as Error).message}`);
  }
  log(`building FerretDB ${FERRETDB_VERSION} from its module source (first use; cached in ${binDir})`);
  const info = JSON.parse(
    run('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { cwd: os.tmpdir(), env: goEnv(), timeoutMs: 600_000 }),
  ) as { Dir: string };
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-ferretdb-src-'));
  const partial = `${binary}.partial-${process.pid}`;
  try {
    fs.cpSync(info.Dir, src, { recursive: true });
    fs.chmodSync(path.join(src, 'build', 'version'), 0o755);
    fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`, { mode: 0o644 });
    for (const fix of SOURCE_FIXES) {
      const file = path.join(src, fix.file);
      const source = fs.readFileSync(file, 'utf8');
      if (!source.includes(fix.from)) throw new Error(`${fix.file} of FerretDB ${FERRETDB_VERSION} does not contain the code a fix expects: ${JSON.stringify(fix.from)}`);
      fs.chmodSync(file, 0o644);
      fs.writeFileSync(file, source.replace(fix.from, fix.to));
    }
    run('go', ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], { cwd: src, env: goEnv(), timeoutMs: 900_000 });
    fs.renameSync(partial, binary);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(partial, { force: true });
  }
  if (!worksAsFerretdb(binary)) throw new Error(`built ${binary} but it does not report ${FERRETDB_VERSION}`);
  return binary;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) {
        reject(new Error(`FerretDB exited with code ${child.exitCode} before listening: ${output().slice(-1500)}`));
        return;
      }
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`FerretDB did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${output().slice(-1500)}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export interface FerretdbProcess {
  uri: string;
  /** The FerretDB process id (not a wrapper's). */
  pid: number;
  stop(): Promise<void>;
}

let pdeathsigWrapper: string | null | undefined;
/**
 * util-linux `setpriv --pdeathsig` sets PR_SET_PDEATHSIG and then execs FerretDB (same pid), so the
 * kernel sends FerretDB SIGTERM when its parent dies for any reason, SIGKILL included. Node cannot
 * call prctl itself, and an `exit` listener never runs on SIGKILL. Linux only; elsewhere the pid file
 * below is the safety net.
 */
function pdeathsigCommand(): string | null {
  if (pdeathsigWrapper !== undefined) return pdeathsigWrapper;
  pdeathsigWrapper = null;
  if (process.platform === 'linux') {
    const r = spawnSync('setpriv', ['--help'], { encoding: 'utf8', timeout: 5000 });
    if (r.status === 0 && r.stdout.includes('--pdeathsig')) pdeathsigWrapper = 'setpriv';
  }
  return pdeathsigWrapper;
}

interface PidRecord {
  pid: number;
  ownerPid: number;
  dir: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie answers kill(0) but is already dead; only its parent's wait() is missing.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** True only when /proc shows that `pid` is a FerretDB serving `dir` (a recycled pid must never be killed). */
function isFerretdbFor(pid: number, dir: string): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.includes('ferretdb')) && argv.includes(`--sqlite-url=file:${withSlash(dir)}`);
  } catch {
    return false;
  }
}

const withSlash = (dir: string): string => (dir.endsWith('/') ? dir : `${dir}/`);

async function waitForDeath(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * A FerretDB left behind by a Tular that died without cleaning up (SIGKILL, OOM, power cut on a
 * system without pdeathsig) still holds the SQLite files; it is stopped before a new one starts.
 * A FerretDB whose owner is still its parent means another live Tular uses this DATA_DIR: refused.
 */
export async function reapStaleFerretdb(pidFile: string, log: (msg: string) => void = () => undefined): Promise<void> {
  let record: PidRecord;
  try {
    record = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as PidRecord;
  } catch {
    return;
  }
  const { pid, ownerPid, dir } = record;
  if (Number.isInteger(pid) && pid > 1 && isAlive(pid) && isFerretdbFor(pid, dir)) {
    if (ownerPid !== process.pid && isAlive(ownerPid) && parentOf(pid) === ownerPid) {
      throw new Error(`${dir} is in use by the FerretDB of another running Tular (pid ${ownerPid}); stop it or use another DATA_DIR`);
    }
    log(`stopping a stale FerretDB (pid ${pid}) left behind by a Tular process (pid ${ownerPid}) that is gone`);
    process.kill(pid, 'SIGTERM');
    if (!(await waitForDeath(pid, 5000))) {
      process.kill(pid, 'SIGKILL');
      await waitForDeath(pid, 5000);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

export interface StartFerretdbOptions {
  /** Records the FerretDB pid (persistent data directories): a later start reaps it if it outlives us. */
  pidFile?: string;
  log?: (msg: string) => void;
  /** Serve FerretDB's debug handler (Prometheus metrics at /debug/metrics) on this loopback port (the benchmark counts commands with it). */
  debugPort?: number;
}

/**
 * Starts FerretDB on a free loopback port with the SQLite backend in `dir` (one file per database).
 * SQLite's in-memory mode hangs after a failed unique insert in v1.24.2, so tests use a directory on tmpfs instead.
 * `fixedPort` restarts a stopped instance where its clients expect it (the fault tests).
 */
export async function startFerretdb(binary: string, dir: string, fixedPort?: number, opts: StartFerretdbOptions = {}): Promise<FerretdbProcess> {
  fs.mkdirSync(dir, { recursive: true });
  if (opts.pidFile) await reapStaleFerretdb(opts.pidFile, opts.log);
  const port = fixedPort ?? (await freePort());
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${withSlash(dir)}`,
    `--listen-addr=127.0.0.1:${port}`,
    opts.debugPort ? `--debug-addr=127.0.0.1:${opts.debugPort}` : '--debug-addr=-',
    '--state-dir=-',
    '--telemetry=disable',
    '--log-level=error',
  ];
  const wrapper = pdeathsigCommand();
  const child = spawn(wrapper ?? binary, wrapper ? ['--pdeathsig', 'TERM', '--', binary, ...args] : args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // GOGC 400 (unless set): FerretDB allocates for every document it decodes, and Go's default (100)
    // collects so often on its small heap that reads and updates cost 8–12% more database CPU
    // (interleaved A/B runs here) — for ~10 MB more memory.
    env: { ...process.env, FERRETDB_TELEMETRY: 'disable', GOGC: process.env.GOGC ?? '400' },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    if (opts.pidFile) fs.rmSync(opts.pidFile, { force: true });
  };
  process.once('exit', killOnExit);
  if (opts.pidFile && child.pid) {
    const record: PidRecord = { pid: child.pid, ownerPid: process.pid, dir };
    fs.writeFileSync(opts.pidFile, `${JSON.stringify(record)}\n`);
  }
  try {
    await waitForPort(port, child, 20_000, () => output);
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    throw err;
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        const done = (): void => {
          if (opts.pidFile) fs.rmSync(opts.pidFile, { force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
