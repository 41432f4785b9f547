import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../config/env';
import { ensureFerretdb, freePort, reapStaleFerretdb, startFerretdb } from './ferretdb';

/**
 * A FerretDB whose Tular was killed without a chance to clean up must not keep the SQLite files
 * (and a port) forever: the pid file in DATA_DIR lets the next start find and stop it.
 */
jest.setTimeout(60_000);
const binary = ensureFerretdb(loadConfig({ NODE_ENV: 'test' }).cacheDir, () => undefined);
const dirs: string[] = [];
const strays: ChildProcess[] = [];
afterAll(() => {
  for (const child of strays) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-reap-'));
  dirs.push(dir);
  return dir;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

async function listening(port: number): Promise<boolean> {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 3000 });
  try {
    await client.db('probe').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/** A FerretDB on `dir` started the way Tular starts it, under `parent` (or directly under this process). */
async function strayFerretdb(dir: string, viaShell: boolean): Promise<{ child: ChildProcess; pid: number; port: number }> {
  const ferretDir = path.join(dir, 'ferretdb');
  fs.mkdirSync(ferretDir, { recursive: true });
  const port = await freePort();
  const args = ['--handler=sqlite', `--sqlite-url=file:${ferretDir}/`, `--listen-addr=127.0.0.1:${port}`, '--debug-addr=-', '--state-dir=-', '--telemetry=disable', '--log-level=error'];
  const child = viaShell
    ? spawn('sh', ['-c', `"$0" "$@" & echo $!; wait`, binary, ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
    : spawn(binary, args, { stdio: 'ignore' });
  strays.push(child);
  const pid = viaShell ? await new Promise<number>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())))) : child.pid!;
  for (let i = 0; i < 100 && !(await listening(port)); i += 1) await new Promise((r) => setTimeout(r, 100));
  return { child, pid, port };
}

describe('stale FerretDB reaping', () => {
  it('stops a FerretDB left behind by a Tular that is gone, then starts a fresh one on the same files', async () => {
    const dataDir = tempDir();
    const stray = await strayFerretdb(dataDir, false);
    expect(alive(stray.pid)).toBe(true);
    const pidFile = path.join(dataDir, 'ferretdb.pid');
    fs.writeFileSync(pidFile, JSON.stringify({ pid: stray.pid, ownerPid: deadPid(), dir: path.join(dataDir, 'ferretdb') }));
    const logs: string[] = [];

    const fresh = await startFerretdb(binary, path.join(dataDir, 'ferretdb'), undefined, { pidFile, log: (m) => logs.push(m) });
    try {
      expect(alive(stray.pid)).toBe(false);
      expect(logs.join('\n')).toContain(`stopping a stale FerretDB (pid ${stray.pid})`);
      expect(JSON.parse(fs.readFileSync(pidFile, 'utf8'))).toEqual({ pid: fresh.pid, ownerPid: process.pid, dir: path.join(dataDir, 'ferretdb') });
      const client = new MongoClient(`${fresh.uri}tular`, { serverSelectionTimeoutMS: 5000 });
      await client.db().collection('probe').insertOne({ ok: 1 });
      expect(await client.db().collection('probe').countDocuments()).toBe(1);
      await client.close();
    } finally {
      await fresh.stop();
    }
    expect(fs.existsSync(pidFile)).toBe(false);
  });

  it('never kills a process that merely reuses the recorded pid', async () => {
    const dataDir = tempDir();
    const bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
    strays.push(bystander);
    const pidFile = path.join(dataDir, 'ferretdb.pid');
    fs.writeFileSync(pidFile, JSON.stringify({ pid: bystander.pid, ownerPid: deadPid(), dir: path.join(dataDir, 'ferretdb') }));
    await reapStaleFerretdb(pidFile);
    expect(alive(bystander.pid!)).toBe(true);
    expect(fs.existsSync(pidFile)).toBe(false);
  });

  it('refuses to start on a DATA_DIR whose FerretDB still belongs to another live process', async () => {
    const dataDir = tempDir();
    const stray = await strayFerretdb(dataDir, true);
    const pidFile = path.join(dataDir, 'ferretdb.pid');
    fs.writeFileSync(pidFile, JSON.stringify({ pid: stray.pid, ownerPid: stray.child.pid, dir: path.join(dataDir, 'ferretdb') }));
    await expect(startFerretdb(binary, path.join(dataDir, 'ferretdb'), undefined, { pidFile })).rejects.toThrow(
      `is in use by the FerretDB of another running Tular (pid ${stray.child.pid})`,
    );
    expect(alive(stray.pid)).toBe(true);
    expect(await listening(stray.port)).toBe(true);
    process.kill(stray.pid, 'SIGKILL');
  });
});

describe('the FerretDB build', () => {
  it('finds, updates and deletes by _id through the unique _id index (stock v1.24.2 scans the whole table)', async () => {
    const dir = tempDir();
    const db = await startFerretdb(binary, dir);
    const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      const coll = client.db('plan').collection<{ _id: string; n: number }>('docs');
      await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `k${i}`, n: i })));
      const explained = (await client.db('plan').command({ explain: { find: 'docs', filter: { _id: 'k7' } } })) as { queryPlanner?: { Plan?: string[] } };
      const plan = (explained.queryPlanner?.Plan ?? []).join('\n');
      expect(plan).toMatch(/SEARCH .* USING INDEX/);
      expect(plan).not.toMatch(/detail=SCAN/);
      // Same answers as before the fix.
      await coll.updateOne({ _id: 'k7' }, { $inc: { n: 100 } });
      expect(await coll.findOne({ _id: 'k7' })).toEqual({ _id: 'k7', n: 107 });
      await coll.deleteOne({ _id: 'k8' });
      expect(await coll.countDocuments({})).toBe(49);
    } finally {
      await client.close();
      await db.stop();
    }
  });

  it('does not track every iterator and connection with a stack trace (release build): no FerretDB/* profiles', async () => {
    const debugPort = await freePort();
    const db = await startFerretdb(binary, tempDir(), undefined, { debugPort });
    const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      const coll = client.db('tracking').collection<{ _id: string }>('docs');
      await coll.insertMany([{ _id: 'a' }, { _id: 'b' }]);
      expect(await coll.find({}).toArray()).toHaveLength(2);
      // The profiles pprof serves: stock v1.24.2 adds one per tracked type (FerretDB/sqlite.queryIterator, …).
      const index = await (await fetch(`http://127.0.0.1:${debugPort}/debug/pprof/`)).text();
      expect(index).toContain('goroutine');
      expect(index).not.toContain('FerretDB/');
    } finally {
      await client.close();
      await db.stop();
    }
  });
});
