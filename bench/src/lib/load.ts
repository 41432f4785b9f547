import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface LoadResult {
  /** Completed requests per second (any status). */
  rps: number;
  p50: number;
  p99: number;
  /** Responses by status class and the count of 302s specifically. */
  total: number;
  redirects: number;
  errors: number;
  timeouts: number;
  non3xx: number;
  statusCodes: Record<string, number>;
  /** The run hit `maxSeconds`: requests in flight were dropped (served, maybe, but not counted). */
  capped: boolean;
  /**
   * Requests the server may have served without the generator counting the answer: wrk (fixed
   * count) knows it exactly (sent − answered, 0 unless capped); autocannon's capped run, at most
   * one per connection.
   */
  uncounted: number;
  /** Which generator ran, and its CPU share of the run's wall time (%, wrk only; null when unknown). */
  generator: 'wrk' | 'autocannon';
  generatorCpuPercent: number | null;
  /** Wall time of the measured part: first request to last answer for fixed-count runs, else the duration. */
  seconds: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Paths (and optional bodies) cycled through, one per request. */
  paths: string[];
  body?: (i: number) => string;
  /** Extra headers per request (e.g. X-Forwarded-For: many buyers, not one IP hitting a per-IP limit). */
  headersFor?: (i: number) => Record<string, string>;
  /**
   * Send exactly this many requests and wait for every answer (`duration` is then ignored): a
   * duration-bounded run drops requests in flight at the end, which the server did serve — the
   * lost-clicks check needs the generator's count to be exact.
   */
  amount?: number;
  /** Wall-clock cap for an `amount` run (priming a slow server must not take forever); in-flight requests are then dropped. */
  maxSeconds?: number;
}

/** One autocannon run; each request takes the next path from the list so keys spread over all links. */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  let i = 0;
  let capped = false;
  const started = performance.now();
  let lastResponse = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
        method: opts.method ?? 'GET',
        headers: opts.headers,
        // Count 302s ourselves: autocannon would follow nothing, and its 2xx/3xx split is coarse.
        requests: [
          {
            setupRequest: (req) => {
              const n = i++;
              const path = opts.paths[n % opts.paths.length]!;
              const headers = opts.headersFor ? { ...req.headers, ...opts.headersFor(n) } : req.headers;
              return opts.body ? { ...req, headers, path, body: opts.body(n) } : { ...req, headers, path };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const codes = (result as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
        const redirects = codes['302']?.count ?? 0;
        const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
        // An `amount` run ends on autocannon's 1-second tick after the last answer: time it to the last answer instead.
        const seconds = opts.amount ? (lastResponse - started) / 1000 : opts.duration;
        resolve({
          rps: total / seconds,
          p50: result.latency.p50,
          p99: result.latency.p99,
          total,
          redirects,
          errors: result.errors,
          timeouts: result.timeouts,
          non3xx: total - result['3xx'],
          capped,
          uncounted: capped ? opts.connections : 0,
          generator: 'autocannon',
          generatorCpuPercent: null,
          seconds,
          statusCodes: Object.fromEntries(Object.entries(codes).map(([code, s]) => [code, s.count])),
        });
      },
    );
    instance.on('error', reject);
    instance.on('response', () => {
      lastResponse = performance.now();
    });
    if (opts.amount && opts.maxSeconds) {
      const cap = setTimeout(() => {
        capped = true;
        (instance as unknown as { stop(): void }).stop();
      }, opts.maxSeconds * 1000);
      instance.on('done', () => clearTimeout(cap));
    }
  });
}

export interface FixedLoadOptions {
  url: string;
  connections: number;
  headers?: Record<string, string>;
  /** GET paths cycled through, one per request. */
  paths: string[];
  /** Exactly this many requests are sent, and the run ends at the last answer. */
  amount: number;
  /** Wall-clock cap (s): past it the run ends and `uncounted` says how many were sent but not answered. */
  maxSeconds: number;
}

const WRK_SCRIPT = path.join(__dirname, 'wrkFixedCount.lua');

/**
 * Niceness for the redirect benchmark's servers (bare and Tular alike) and wrk: BENCH_NICE, by
 * default -10 when running as root (else 0, which changes nothing). Other processes on a shared
 * machine (tests, builds) then take less of the servers' core and of the generator's, so they set
 * the pace less; the database keeps the default priority and yields core 1 to the generator.
 */
export const benchNice = ((): number => {
  const raw = process.env.BENCH_NICE;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error(`BENCH_NICE must be an integer in -20..19, got ${raw}`);
    return n;
  }
  return process.getuid?.() === 0 ? -10 : 0;
})();

/**
 * Applies benchNice (or `nice`) to a running process, all its threads — and to its autogroup: with
 * `kernel.sched_autogroup_enabled` the scheduler first shares a core between sessions (autogroups)
 * and only then by niceness inside each, so a thread's nice alone does not help against another
 * session's busy processes. Returns whether it took effect.
 */
export function raisePriority(pid: number | undefined, nice = benchNice): boolean {
  if (!pid || benchNice === 0) return false;
  const tasks = fs.existsSync(`/proc/${pid}/task`) ? fs.readdirSync(`/proc/${pid}/task`) : [String(pid)];
  let ok = true;
  for (const tid of tasks) ok = spawnSync('renice', ['-n', String(nice), '-p', tid], { stdio: 'ignore' }).status === 0 && ok;
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // No autogroups (or not allowed): the per-thread niceness is all there is.
  }
  return ok;
}

/** `wrk`, unless BENCH_GENERATOR=autocannon or no wrk is installed (`apt-get install -y wrk`). */
export const fixedGenerator = ((): { name: 'wrk' | 'autocannon'; why: string } => {
  const wanted = process.env.BENCH_GENERATOR ?? 'wrk';
  if (wanted === 'autocannon') return { name: 'autocannon', why: 'BENCH_GENERATOR=autocannon' };
  if (wanted !== 'wrk') throw new Error(`BENCH_GENERATOR must be wrk or autocannon, got ${wanted}`);
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) return { name: 'autocannon', why: 'no wrk on PATH (apt-get install -y wrk), fell back to autocannon in the bench process' };
  const version = /wrk (\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? '?';
  return { name: 'wrk', why: `wrk ${version} (separate process, ${wrkThreads()} thread(s), Lua fixed-count script)` };
})();

function wrkThreads(): number {
  const n = Number(process.env.BENCH_WRK_THREADS ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

const pathFiles = new WeakMap<string[], string>();
function pathsFile(paths: string[]): string {
  let file = pathFiles.get(paths);
  if (!file) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-bench-paths-'));
    file = path.join(dir, 'paths.txt');
    fs.writeFileSync(file, `${paths.join('\n')}\n`);
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    pathFiles.set(paths, file);
  }
  return file;
}

interface WrkReport {
  sent: number;
  answered: number;
  finished: boolean;
  firstUs: number;
  lastUs: number;
  statusCodes: Record<string, number>;
  p50Us: number;
  p99Us: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  cpuUs: number;
}

/**
 * Exactly `amount` GET requests over `paths`, timed from the first request to the last answer, every
 * answer counted by status — what the lost-clicks check needs from every run. With wrk (a C
 * generator in its own process) unless it is missing; then autocannon's `amount` mode.
 */
export function runFixedLoad(opts: FixedLoadOptions): Promise<LoadResult> {
  if (fixedGenerator.name === 'autocannon') return runLoad({ ...opts, duration: opts.maxSeconds });
  const threads = Math.min(wrkThreads(), opts.connections, opts.amount);
  const headerArgs = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = [
    `-t${threads}`,
    `-c${opts.connections}`,
    `-d${Math.max(1, Math.ceil(opts.maxSeconds))}s`,
    // Latencies past the timeout fall out of wrk's histogram: keep the whole tail in it.
    '--timeout',
    '30s',
    ...headerArgs,
    '-s',
    WRK_SCRIPT,
    opts.url,
    '--',
    pathsFile(opts.paths),
    String(opts.amount),
    String(threads),
  ];
  return new Promise((resolve, reject) => {
    const cmd = benchNice !== 0 ? ['nice', '-n', String(benchNice), 'wrk', ...args] : ['wrk', ...args];
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = (): void => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    process.once('exit', kill);
    let out = '';
    let err = '';
    let threadsDone = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      // Each wrk thread says when it has all its answers; then SIGINT ends the run (wrk's own stop).
      threadsDone += text.split('TULAR_WRK_THREAD_DONE').length - 1;
      if (threadsDone >= threads && child.exitCode === null) child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.removeListener('exit', kill);
      const line = /TULAR_WRK (\{.*\})/.exec(out)?.[1];
      if (!line) return reject(new Error(`wrk ended (${code ?? signal}) without its report:\n${err}${out}`.slice(0, 3000)));
      const r = JSON.parse(line) as WrkReport;
      const seconds = Math.max(1e-6, (r.lastUs - r.firstUs) / 1e6);
      const redirects = r.statusCodes['302'] ?? 0;
      const threeXx = Object.entries(r.statusCodes).reduce((n, [c, k]) => (c.startsWith('3') ? n + k : n), 0);
      resolve({
        rps: r.answered / seconds,
        p50: r.p50Us / 1000,
        p99: r.p99Us / 1000,
        total: r.answered,
        redirects,
        errors: r.errors.connect + r.errors.read + r.errors.write,
        timeouts: r.errors.timeout,
        non3xx: r.answered - threeXx,
        statusCodes: r.statusCodes,
        capped: !r.finished,
        uncounted: r.sent - r.answered,
        generator: 'wrk',
        generatorCpuPercent: (100 * r.cpuUs) / 1e6 / seconds,
        seconds,
      });
    });
  });
}
