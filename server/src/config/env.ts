import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const DEV_SECRET = 'dev-only-secret-change-me-0123456789abcdef';

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  TULAR_DB_ENGINE: z.enum(['auto', 'memory-server', 'ferretdb']).default('auto'),
  DATA_DIR: z.string().default('./data'),
  TULAR_CACHE_DIR: z.string().optional(),
  PUBLIC_URL: z.url('must be a URL like https://tular.id').optional(),
  CLIENT_ORIGIN: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      for (const problem of originProblems(value)) ctx.addIssue({ code: 'custom', message: problem });
    }),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis://').optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  IP_HASH_SALT: z.string().min(16, 'must be at least 16 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).optional(),
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** Its own, looser bucket: silent token refreshes from many phones behind one carrier NAT must not lock out sign-ins. */
  RATE_LIMIT_REFRESH_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_LOGIN_FAILURE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Generous: many Indonesian mobile users share one carrier-NAT address. */
  RATE_LIMIT_REDIRECT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  HOLD_RELEASE_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  CLICK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  CLICK_FLUSH_INTERVAL_MS: z.coerce.number().int().min(10).max(600_000).default(250),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  mongodbUri?: string;
  dbEngine: 'auto' | 'memory-server' | 'ferretdb';
  dataDir: string;
  cacheDir: string;
  publicUrl: string;
  /** The validated CORS origins, comma-joined (as CLIENT_ORIGIN, without blanks). */
  clientOrigin?: string;
  /** The same origins as a list; empty means same-origin only. */
  clientOrigins: string[];
  redisUrl?: string;
  jwtSecret: string;
  cookieSecret: string;
  ipHashSalt: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** log2 of the scrypt cost N. */
  passwordHashCost: number;
  /** Register and login, per IP. */
  rateLimitAuthPerMinute: number;
  /** Token refresh, per IP. */
  rateLimitRefreshPerMinute: number;
  /** Failed logins per account (email) per `loginFailureWindowMinutes`, from any IP. */
  loginFailuresPerAccount: number;
  loginFailureWindowMinutes: number;
  rateLimitRedirectPerMinute: number;
  /** How often the hold releaser looks for commission whose hold is over (fault tests shorten it). */
  holdReleaseIntervalMs: number;
  clickRetentionDays: number;
  /** How often buffered clicks are written (a full batch goes at once); the shutdown test lengthens it. */
  clickFlushIntervalMs: number;
  logLevel: string;
  trustProxy: boolean;
}

/**
 * Browsers send `Origin: https://host[:port]` — no path, no trailing slash — and CORS compares it
 * byte for byte, so anything else in CLIENT_ORIGIN would silently never match.
 */
function originProblems(value: string | undefined): string[] {
  if (value === undefined) return [];
  const problems: string[] = [];
  for (const raw of value.split(',')) {
    const origin = raw.trim();
    if (!origin) continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push(`"${origin}" is not an http(s) origin (expected e.g. https://tular.id or http://localhost:5173)`);
    } else if (url.origin !== origin) {
      problems.push(`"${origin}" must be just scheme://host[:port], without a path or trailing slash (did you mean ${url.origin}?)`);
    }
  }
  return problems;
}

function splitOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

/** The directory holding the root package.json (the npm workspaces root), found from this file so cwd does not matter. */
export function findRepositoryRoot(start = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // An unreadable package.json is not the root; keep walking up.
      }
    }
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/**
 * `npm start` runs the server from server/ (npm workspaces), so a relative DATA_DIR is resolved
 * against the repository root, never the working directory: `./data` is always <repo>/data.
 */
export function resolveDataDir(value: string, root = findRepositoryRoot()): string {
  return path.isAbsolute(value) ? path.normalize(value) : path.resolve(root, value);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at boot; every problem is listed by variable name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // Listed together with any malformed variable, so one failed start names everything to fix.
  if (source.NODE_ENV === 'production') {
    for (const k of ['JWT_SECRET', 'COOKIE_SECRET', 'IP_HASH_SALT', 'PUBLIC_URL'] as const) {
      if (!source[k]) problems.push(`${k}: required when NODE_ENV=production (no default secrets)`);
    }
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const port = e.PORT;
  return {
    env: e.NODE_ENV,
    port,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    dbEngine: e.TULAR_DB_ENGINE,
    dataDir: resolveDataDir(e.DATA_DIR),
    cacheDir: path.resolve(e.TULAR_CACHE_DIR ?? path.join(process.env.HOME ?? '.', '.cache', 'tular')),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    clientOrigin: splitOrigins(e.CLIENT_ORIGIN).join(',') || undefined,
    clientOrigins: splitOrigins(e.CLIENT_ORIGIN),
    redisUrl: e.REDIS_URL,
    jwtSecret: e.JWT_SECRET ?? `${DEV_SECRET}-jwt`,
    cookieSecret: e.COOKIE_SECRET ?? `${DEV_SECRET}-cookie`,
    ipHashSalt: e.IP_HASH_SALT ?? `${DEV_SECRET}-ip`,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    passwordHashCost: e.PASSWORD_HASH_COST ?? (production ? 16 : e.NODE_ENV === 'test' ? 10 : 14),
    rateLimitAuthPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE,
    rateLimitRefreshPerMinute: e.RATE_LIMIT_REFRESH_PER_MINUTE,
    loginFailuresPerAccount: e.RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT,
    loginFailureWindowMinutes: e.RATE_LIMIT_LOGIN_FAILURE_WINDOW_MINUTES,
    rateLimitRedirectPerMinute: e.RATE_LIMIT_REDIRECT_PER_MINUTE,
    holdReleaseIntervalMs: e.HOLD_RELEASE_INTERVAL_MS,
    clickRetentionDays: e.CLICK_RETENTION_DAYS,
    clickFlushIntervalMs: e.CLICK_FLUSH_INTERVAL_MS,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    trustProxy: e.TRUST_PROXY === 'true',
  };
}
