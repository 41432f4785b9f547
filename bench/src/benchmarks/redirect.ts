import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { benchConfig, BROWSER_UA } from '../lib/config';
import { runLoad, type LoadResult } from '../lib/load';
import type { Child } from '../lib/procs';
import { median, printTable, printVerdict, round } from '../lib/stats';

export interface RedirectFigures {
  bareRps: number;
  tularRps: number;
  throughputRatio: number;
  bareP99Ms: number;
  tularP99Ms: number;
  p99Ratio: number;
  tularP50Ms: number;
  bareP50Ms: number;
  /** Every 302 Tular answered in the measured rounds. */
  tularRedirects: number;
  /** Every 302 Tular answered in this benchmark, priming and warm-up included (all exact-count runs): the lost-clicks check compares with these. */
  tularAllRedirects: number;
  tularNon302: number;
  /** Requests dropped in flight by capped runs: the server may have served (and recorded) up to this many more. */
  inFlightUncounted: number;
  /** Server CPU per request (µs, median of rounds) and the server core's busy share during the rounds (%). */
  bareCpuUsPerRequest: number;
  tularCpuUsPerRequest: number;
  bareCpuPercent: number;
  tularCpuPercent: number;
  throughputMet: boolean;
  latencyMet: boolean;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const summarize = (runs: LoadResult[]): { rps: number; p50: number; p99: number } => ({
  rps: median(runs.map((r) => r.rps)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
});

/**
 * `GET /r/:code` on the full server vs the bare Map server: same generator, connections and
 * duration, bare rounds first (see below).
 */
export async function benchRedirect(tular: Child, bare: Child, codes: string[]): Promise<RedirectFigures> {
  const paths = codes.map((c) => `/r/${c}`);
  const common = { connections: benchConfig.connections, headers: { 'User-Agent': BROWSER_UA, Accept: 'text/html' }, paths };
  let tularRedirects = 0;
  let tularAllRedirects = 0;
  let tularNon302 = 0;
  let cappedRuns = 0;
  // Every Tular run (priming and warm-up too) sends a fixed number of requests and waits for each
  // answer, so the generator's 302 count is exact and the lost-clicks check needs no time window.
  const onTular = (r: LoadResult, measured: boolean): LoadResult => {
    tularAllRedirects += r.redirects;
    if (measured) tularRedirects += r.redirects;
    if (r.capped) cappedRuns += 1;
    if (measured) tularNon302 += r.total - r.redirects;
    return r;
  };

  // Bare side first, then Tular: Tular's click flushing keeps running on its core after its own
  // rounds, which would slow a bare round that followed it. Each side: prime every code once, warm
  // up (the warm-up rate sizes the measured rounds, see LoadOptions.amount), then the rounds.
  const warm = Math.max(benchConfig.warmup, 1);
  const amount = (rps: number): number => Math.max(500, Math.round(rps * benchConfig.duration));
  // Capped at 3× the round length: a server far slower than its warm-up must not stall the run.
  const maxSeconds = benchConfig.duration * 3;
  // Server CPU per measured round: on a shared 2-core machine the generator can be the limit (it
  // shares core 1 with the database), so req/s alone may understate what the server could do;
  // CPU microseconds per request compare the servers' own cost.
  const cpuUsPerRequest: Record<string, number[]> = {};
  const cpuShare: Record<string, number[]> = {};
  const measure = async (url: string, onRun: (r: LoadResult, measured: boolean) => LoadResult): Promise<LoadResult[]> => {
    const primed = onRun(await runLoad({ ...common, url, duration: warm, amount: codes.length, maxSeconds: 30 }), false);
    process.stderr.write(`[bench] ${url}: primed ${primed.total} of ${codes.length} codes at ${Math.round(primed.rps)} req/s\n`);
    const warmRun = onRun(await runLoad({ ...common, url, duration: warm, amount: Math.max(500, Math.round(primed.rps * warm)), maxSeconds: warm * 3 + 5 }), false);
    const runs: LoadResult[] = [];
    for (let r = 0; r < benchConfig.rounds; r += 1) {
      process.stderr.write(`[bench] ${url}: round ${r + 1}/${benchConfig.rounds}\n`);
      const pid = url === tular.url ? tular.proc.pid : bare.proc.pid;
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      const run = onRun(await runLoad({ ...common, url, duration: benchConfig.duration, amount: amount(warmRun.rps), maxSeconds }), true);
      const cpu1 = cpuSeconds(pid);
      if (cpu0 !== null && cpu1 !== null && run.total > 0) {
        (cpuUsPerRequest[url] ??= []).push(((cpu1 - cpu0) * 1e6) / run.total);
        (cpuShare[url] ??= []).push((100 * (cpu1 - cpu0)) / ((performance.now() - t0) / 1000));
      }
      runs.push(run);
    }
    return runs;
  };
  const bareRuns = await measure(bare.url, (r) => r);
  const tularRuns = await measure(tular.url, onTular);
  const b = summarize(bareRuns);
  const t = summarize(tularRuns);
  const figures: RedirectFigures = {
    bareRps: round(b.rps, 0),
    tularRps: round(t.rps, 0),
    throughputRatio: round(t.rps / b.rps, 3),
    bareP50Ms: b.p50,
    tularP50Ms: t.p50,
    bareP99Ms: b.p99,
    tularP99Ms: t.p99,
    p99Ratio: round(t.p99 / Math.max(b.p99, 1), 2),
    tularRedirects,
    tularAllRedirects,
    tularNon302,
    inFlightUncounted: cappedRuns * benchConfig.connections,
    bareCpuUsPerRequest: round(median(cpuUsPerRequest[bare.url] ?? []), 1),
    tularCpuUsPerRequest: round(median(cpuUsPerRequest[tular.url] ?? []), 1),
    bareCpuPercent: round(median(cpuShare[bare.url] ?? []), 0),
    tularCpuPercent: round(median(cpuShare[tular.url] ?? []), 0),
    throughputMet: t.rps / b.rps >= 0.5,
    // p99 of 0–1 ms on the bare side: compare against 1 ms so the ratio is not a division by zero.
    latencyMet: t.p99 <= 2 * Math.max(b.p99, 1),
  };
  printTable(
    `Redirect GET /r/:code — ${codes.length} links, ${benchConfig.connections} connections, ${benchConfig.rounds} × ${benchConfig.duration} s (medians)`,
    ['server', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server core busy %', 'rounds (req/s)'],
    [
      ['bare node:http + Map', b.rps, b.p50, b.p99, figures.bareCpuUsPerRequest, figures.bareCpuPercent, bareRuns.map((r) => Math.round(r.rps)).join(' / ')],
      ['Tular (full server)', t.rps, t.p50, t.p99, figures.tularCpuUsPerRequest, figures.tularCpuPercent, tularRuns.map((r) => Math.round(r.rps)).join(' / ')],
      [
        'ratio Tular / bare',
        figures.throughputRatio,
        round(t.p50 / Math.max(b.p50, 1), 2),
        figures.p99Ratio,
        round(figures.tularCpuUsPerRequest / figures.bareCpuUsPerRequest, 2),
        '',
        '',
      ],
    ],
  );
  if (figures.tularCpuPercent < 90)
    console.log(`  note: the Tular server's core was only ${figures.tularCpuPercent}% busy — so the load generator (sharing core 1 with the database) most likely set the pace, not the server`);
  if (tularNon302 > 0) console.log(`  note: Tular answered ${tularNon302} requests with something other than 302`);
  printVerdict('redirect', [
    { target: 'throughput ≥ 50% of bare', met: figures.throughputMet },
    { target: 'p99 ≤ 2× bare', met: figures.latencyMet },
  ]);
  return figures;
}
