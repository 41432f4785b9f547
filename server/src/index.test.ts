import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './db/ferretdb';

/**
 * The service as an operator runs it: `npm start` (and the node command it execs) as real child
 * processes, with no configuration but a free port and a fresh DATA_DIR, on the embedded FerretDB.
 */
const REPO = path.resolve(__dirname, '..', '..');
const ROOT_MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
jest.setTimeout(120_000);

interface Service {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** No configuration: the test runner's NODE_ENV, MONGODB_URI and the like must not leak into the child. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TULAR_CACHE_DIR', 'GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOPROXY', 'GOFLAGS']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  // The mongod download cannot work offline; CI (.ci/run) makes the same choice.
  env.TULAR_DB_ENGINE = process.env.TULAR_DB_ENGINE ?? 'ferretdb';
  return { ...env, ...extra };
}

function launch(command: string, args: string[], dataDir: string, port: number): Service {
  const child = spawn(command, args, {
    cwd: REPO,
    env: bareEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the test can check that nothing of it survives, and clean up if it does.
    detached: true,
  });
  let out = '';
  const collect = (b: Buffer): void => {
    out += b.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/** Polls `check`; with `running`, fails as soon as that service exits instead of waiting out the timeout. */
async function waitUntil(what: string, service: Service, check: () => Promise<boolean> | boolean, timeoutMs = 90_000, running = true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (running && service.child.exitCode !== null) throw new Error(`exited ${service.child.exitCode} before ${what}: ${service.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${service.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const healthy = (service: Service) => (): Promise<boolean> =>
  fetch(`${service.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.status === 200,
    () => false,
  );

/** Pids of processes whose command line shows they serve files in `dataDir` (FerretDB), from /proc. */
function processesUsing(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(`--sqlite-url=file:${dataDir}/`) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function api(service: Service, pathname: string, body: unknown): Promise<{ status: number; body: { data?: { user?: { id: string } }; error?: { code: string } } }> {
  const res = await fetch(`${service.url}/api/v1${pathname}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as { data?: { user?: { id: string } }; error?: { code: string } } };
}

const started: Service[] = [];
const dirs: string[] = [];
function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-start-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const s of started) if (s.child.pid && groupAlive(s.child.pid)) process.kill(-s.child.pid, 'SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The node command `npm start` execs, read from the root package.json so the two cannot drift. */
function startCommand(): string[] {
  const script = ROOT_MANIFEST.scripts.start!;
  expect(script).toMatch(/^exec node /);
  return script.replace(/^exec /, '').split(/\s+/);
}

describe('npm start', () => {
  it('runs node itself (exec), so a signal to npm reaches the server', () => {
    expect(ROOT_MANIFEST.scripts.start).toBe('exec node --max-semi-space-size=32 --import tsx server/src/index.ts');
    const dockerfile = fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "server/src/index.ts"]');
  });

  it('with no configuration serves /healthz, keeps a registered user across a SIGTERM restart, and leaves no process behind', async () => {
    const dataDir = tempDataDir();
    const email = `restart.${process.pid}@example.id`;
    const password = 'rahasia-123';

    const first = launch('npm', ['start'], dataDir, await freePort());
    started.push(first);
    await waitUntil('/healthz', first, healthy(first));
    const health = await fetch(`${first.url}/healthz`);
    expect(await health.json()).toEqual({ data: { status: 'ok' } });
    const registered = await api(first, '/auth/register', { name: 'Bu Sari', email, phone: '081234500001', password, role: 'owner' });
    expect(registered.status).toBe(201);
    const ferret = processesUsing(path.join(dataDir, 'ferretdb'));
    expect(ferret).toHaveLength(1);
    // The data lives where DATA_DIR says, not under server/ (npm workspaces' cwd).
    expect(fs.existsSync(path.join(dataDir, 'ferretdb', 'tular.sqlite'))).toBe(true);

    process.kill(first.child.pid!, 'SIGTERM'); // to npm, as a process manager would
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('shutting down: draining requests and flushing buffers');
    expect(first.output()).toContain('"msg":"click buffer flushed"');
    expect(first.output()).toContain('shutdown complete: requests drained, clicks and rollups flushed, database closed');
    await waitUntil('the process group to be gone', first, () => !groupAlive(first.child.pid!), 10_000, false);
    expect(processesUsing(path.join(dataDir, 'ferretdb'))).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'ferretdb.pid'))).toBe(false);

    const second = launch('npm', ['start'], dataDir, await freePort());
    started.push(second);
    await waitUntil('/healthz after restart', second, healthy(second));
    const login = await api(second, '/auth/login', { email, password });
    expect(login.status).toBe(200);
    expect(login.body.data?.user?.id).toBe(registered.body.data?.user?.id);
    process.kill(second.child.pid!, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
    await waitUntil('the process group to be gone', second, () => !groupAlive(second.child.pid!), 10_000, false);
  });

  it('stops cleanly on a SIGTERM that arrives while the database engine is still starting', async () => {
    const dataDir = tempDataDir();
    const [command, ...args] = startCommand();
    const service = launch(command!, args, dataDir, await freePort());
    started.push(service);
    // The earliest moment we can see: FerretDB has been spawned, the server is not listening yet.
    await waitUntil('FerretDB to be spawned', service, () => processesUsing(path.join(dataDir, 'ferretdb')).length > 0, 60_000);
    expect(await healthy(service)()).toBe(false);
    process.kill(service.child.pid!, 'SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.output()).toContain('shutting down');
    expect(service.output()).toContain('shutdown step done: database engine');
    expect(service.output()).not.toContain('Tular listening');
    await waitUntil('the process group to be gone', service, () => !groupAlive(service.child.pid!), 10_000, false);
    expect(processesUsing(path.join(dataDir, 'ferretdb'))).toEqual([]);
  });

  it('takes FerretDB down with the server even when the server is SIGKILLed', async () => {
    const dataDir = tempDataDir();
    const [command, ...args] = startCommand();
    const service = launch(command!, args, dataDir, await freePort());
    started.push(service);
    await waitUntil('/healthz', service, healthy(service));
    expect(processesUsing(path.join(dataDir, 'ferretdb'))).toHaveLength(1);
    process.kill(service.child.pid!, 'SIGKILL');
    expect((await service.exited).signal).toBe('SIGKILL');
    await waitUntil('FerretDB to die with its parent', service, () => processesUsing(path.join(dataDir, 'ferretdb')).length === 0, 10_000, false).catch((err) => {
      throw new Error(`FerretDB outlived a SIGKILLed server: ${(err as Error).message}`);
    });
  });
});
