import fs from 'node:fs';
import { benchConfig, BROWSER_UA } from '../lib/config';
import { benchNice, fixedGenerator, raisePriority, runFixedLoad, type LoadResult } from '../lib/load';
import type { Child } from '../lib/procs';
import { median, printTable, printVerdict, round } from '../lib/stats';

export interface RedirectFigures {
  bareRps: number;
  tularRps: number;
  /** Median over the rounds of Tular's rate / the bare rate of the same pair (bare round, then Tular round). */
  throughputRatio: number;
  pairThroughputRatios: number[];
  /** Median over the pairs of Tular's p99 / the bare p99. */
  pairP99Ratios: number[];
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
  /** Requests sent but not answered when a capped run ended: the server may have served (and recorded) up to this many more. */
  inFlightUncounted: number;
  /** The load generator that ran (wrk, or autocannon when wrk is missing) and its CPU share during the rounds (%, median; wrk only). */
  generator: string;
  bareGeneratorCpuPercent: number | null;
  tularGeneratorCpuPercent: number | null;
  /** Server CPU per request (µs, median of rounds) and the server core's busy share during the rounds (%). */
  bareCpuUsPerRequest: number;
  tularCpuUsPerRequest: number;
  bareCpuPercent: number;
  tularCpuPercent: number;
  /**
   * The bare server's core was ≥ 90% busy (or unknown): the baseline ran at its own limit. Below
   * that something else (the generator, other processes) held it back, which flatters the ratios:
   * the targets then count as not met.
   */
  baselineSaturated: boolean;
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
 * duration, rounds in bare-then-Tular pairs (see below).
 */
export async function benchRedirect(tular: Child, bare: Child, codes: string[]): Promise<RedirectFigures> {
  const paths = codes.map((c) => `/r/${c}`);
  // Both servers (and wrk) at the same raised priority, so other processes on the machine take less of their cores.
  const niced = raisePriority(tular.proc.pid) && raisePriority(bare.proc.pid);
  if (benchNice !== 0) process.stderr.write(`[bench] redirect: servers and wrk at nice ${benchNice}${niced ? '' : ' (renice failed: default priority)'}\n`);
  const common = { connections: benchConfig.connections, headers: { 'User-Agent': BROWSER_UA, Accept: 'text/html' }, paths };
  let tularRedirects = 0;
  let tularAllRedirects = 0;
  let tularNon302 = 0;
  let uncounted = 0;
  // Every Tular run (priming and warm-up too) sends a fixed number of requests and waits for each
  // answer, so the generator's 302 count is exact and the lost-clicks check needs no time window.
  const onTular = (r: LoadResult, measured: boolean): LoadResult => {
    tularAllRedirects += r.redirects;
    if (measured) tularRedirects += r.redirects;
    uncounted += r.uncounted;
    if (measured) tularNon302 += r.total - r.redirects;
    return r;
  };

  // Each side: prime every code once and warm up (the warm-up rate sizes its measured rounds, see
  // LoadOptions.amount); then the rounds, in pairs.
  const warm = Math.max(benchConfig.warmup, 1);
  const amount = (rps: number): number => Math.max(500, Math.round(rps * benchConfig.duration));
  // Capped at 3× the round length: a server far slower than its warm-up must not stall the run.
  const maxSeconds = benchConfig.duration * 3;
  // Server CPU per measured round: on a shared 2-core machine the generator can be the limit (it
  // shares core 1 with the database), so req/s alone may understate what the server could do;
  // CPU microseconds per request compare the servers' own cost.
  const cpuUsPerRequest: Record<string, number[]> = {};
  const cpuShare: Record<string, number[]> = {};
  const generatorShare: Record<string, number[]> = {};
  const warmUp = async (server: Child, onRun: (r: LoadResult, measured: boolean) => LoadResult): Promise<number> => {
    const url = server.url;
    const primed = onRun(await runFixedLoad({ ...common, url, amount: codes.length, maxSeconds: 30 }), false);
    process.stderr.write(`[bench] ${url}: primed ${primed.total} of ${codes.length} codes at ${Math.round(primed.rps)} req/s\n`);
    return onRun(await runFixedLoad({ ...common, url, amount: Math.max(500, Math.round(primed.rps * warm)), maxSeconds: warm * 3 + 5 }), false).rps;
  };
  const measuredRound = async (server: Child, warmRps: number, onRun: (r: LoadResult, measured: boolean) => LoadResult): Promise<LoadResult> => {
    const { url, proc } = server;
    const cpu0 = cpuSeconds(proc.pid);
    const run = onRun(await runFixedLoad({ ...common, url, amount: amount(warmRps), maxSeconds }), true);
    const cpu1 = cpuSeconds(proc.pid);
    let us: number | undefined;
    if (cpu0 !== null && cpu1 !== null && run.total > 0) {
      const cpu = cpu1 - cpu0;
      us = (cpu * 1e6) / run.total;
      (cpuUsPerRequest[url] ??= []).push(us);
      // Over the run's own span (first request to last answer), not the generator's start-up and stop.
      (cpuShare[url] ??= []).push((100 * cpu) / run.seconds);
    }
    if (run.generatorCpuPercent !== null) (generatorShare[url] ??= []).push(run.generatorCpuPercent);
    process.stderr.write(`[bench]   ${server === bare ? 'bare ' : 'Tular'}: ${Math.round(run.rps)} req/s, p99 ${run.p99} ms${us === undefined ? '' : `, ${round(us, 1)} µs CPU/request`}\n`);
    return run;
  };
  // Tular keeps working after its own runs (flushing clicks to the database, whose core the
  // generator shares): it is stopped (SIGSTOP) whenever the bare server is measured, so a bare
  // round never pays for Tular's backlog, and continued for its own rounds — which therefore
  // include its background work, as they would in service.
  const pause = (stopped: boolean): void => {
    if (tular.proc.pid) process.kill(tular.proc.pid, stopped ? 'SIGSTOP' : 'SIGCONT');
  };
  const bareRuns: LoadResult[] = [];
  const tularRuns: LoadResult[] = [];
  try {
    const bareWarm = await warmUp(bare, (r) => r);
    const tularWarm = await warmUp(tular, onTular);
    // Rounds in pairs, bare then Tular, back to back: the machine drifts (other sessions come and
    // go), so each Tular round is compared with the bare round just before it.
    for (let r = 0; r < benchConfig.rounds; r += 1) {
      process.stderr.write(`[bench] redirect: round ${r + 1}/${benchConfig.rounds} (bare, then Tular)\n`);
      pause(true);
      try {
        bareRuns.push(await measuredRound(bare, bareWarm, (x) => x));
      } finally {
        pause(false);
      }
      tularRuns.push(await measuredRound(tular, tularWarm, onTular));
    }
  } finally {
    // Back to the default for whatever runs next (the fan-out benchmark measures the server at its normal priority).
    if (niced) {
      raisePriority(tular.proc.pid, 0);
      raisePriority(bare.proc.pid, 0);
    }
  }
  // wrk reports latency in µs: the ratio uses the bare figure as measured. autocannon's whole
  // milliseconds give a bare p99 of 0–1 ms: there the ratio is taken against at least 1 ms.
  const latencyFloor = (ms: number): number => (fixedGenerator.name === 'wrk' ? Math.max(ms, 0.001) : Math.max(ms, 1));
  const b = summarize(bareRuns);
  const bareBusy = median(cpuShare[bare.url] ?? []);
  const baselineSaturated = !(bareBusy < 90);
  const t = summarize(tularRuns);
  // Per pair, then the median: a drift between pairs moves both sides of a pair alike.
  const pairRps = tularRuns.map((run, i) => run.rps / bareRuns[i]!.rps);
  const pairP99 = tularRuns.map((run, i) => run.p99 / latencyFloor(bareRuns[i]!.p99));
  const throughputRatio = median(pairRps);
  const p99Ratio = median(pairP99);
  const figures: RedirectFigures = {
    bareRps: round(b.rps, 0),
    tularRps: round(t.rps, 0),
    throughputRatio: round(throughputRatio, 3),
    pairThroughputRatios: pairRps.map((x) => round(x, 3)),
    pairP99Ratios: pairP99.map((x) => round(x, 2)),
    bareP50Ms: b.p50,
    tularP50Ms: t.p50,
    bareP99Ms: b.p99,
    tularP99Ms: t.p99,
    p99Ratio: round(p99Ratio, 2),
    tularRedirects,
    tularAllRedirects,
    tularNon302,
    inFlightUncounted: uncounted,
    generator: fixedGenerator.why,
    bareGeneratorCpuPercent: generatorShare[bare.url] ? round(median(generatorShare[bare.url]!), 0) : null,
    tularGeneratorCpuPercent: generatorShare[tular.url] ? round(median(generatorShare[tular.url]!), 0) : null,
    bareCpuUsPerRequest: round(median(cpuUsPerRequest[bare.url] ?? []), 1),
    tularCpuUsPerRequest: round(median(cpuUsPerRequest[tular.url] ?? []), 1),
    bareCpuPercent: round(median(cpuShare[bare.url] ?? []), 0),
    tularCpuPercent: round(median(cpuShare[tular.url] ?? []), 0),
    baselineSaturated,
    throughputMet: baselineSaturated && throughputRatio >= 0.5,
    latencyMet: baselineSaturated && p99Ratio <= 2,
  };
  const gen = (v: number | null): string | number => (v === null ? 'n/a' : v);
  printTable(
    `Redirect GET /r/:code — ${codes.length} links, ${benchConfig.connections} connections, ${benchConfig.rounds} rounds of ~${benchConfig.duration} s per side, in bare-then-Tular pairs (medians; req/s and p99 ratios are medians of the pairs' ratios); generator: ${fixedGenerator.why}`,
    ['server', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server core busy %', 'generator CPU %', 'rounds (req/s)'],
    [
      ['bare node:http + Map', b.rps, b.p50, b.p99, figures.bareCpuUsPerRequest, figures.bareCpuPercent, gen(figures.bareGeneratorCpuPercent), bareRuns.map((r) => Math.round(r.rps)).join(' / ')],
      ['Tular (full server)', t.rps, t.p50, t.p99, figures.tularCpuUsPerRequest, figures.tularCpuPercent, gen(figures.tularGeneratorCpuPercent), tularRuns.map((r) => Math.round(r.rps)).join(' / ')],
      [
        'ratio Tular / bare',
        figures.throughputRatio,
        round(t.p50 / latencyFloor(b.p50), 2),
        figures.p99Ratio,
        round(figures.tularCpuUsPerRequest / figures.bareCpuUsPerRequest, 2),
        '',
        '',
        `pairs ${figures.pairThroughputRatios.join(' / ')}`,
      ],
    ],
  );
  // A server core well short of busy means something else (the generator, sharing core 1 with the
  // database) set the pace: for the bare side that inflates the ratio, for Tular it deflates it.
  for (const [name, busy] of [['bare', figures.bareCpuPercent], ['Tular', figures.tularCpuPercent]] as const)
    if (busy < 90) console.log(`  note: the ${name} server's core was only ${busy}% busy — the load generator (sharing core 1 with the database) most likely set the pace, not the server`);
  if (tularNon302 > 0) console.log(`  note: Tular answered ${tularNon302} requests with something other than 302`);
  if (uncounted > 0) console.log(`  note: ${uncounted} requests were sent but not answered before a run's cap (the server may have served them)`);
  if (!baselineSaturated)
    console.log(`  note: the targets count as NOT MET in this run — the baseline did not run at its limit (bare core ${figures.bareCpuPercent}% busy < 90%); as measured: throughput ${figures.throughputRatio}, p99 ${figures.p99Ratio}×`);
  printVerdict('redirect', [
    { target: 'throughput ≥ 50% of bare', met: figures.throughputMet },
    { target: 'p99 ≤ 2× bare', met: figures.latencyMet },
  ]);
  return figures;
}
