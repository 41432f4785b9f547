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
