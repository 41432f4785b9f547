import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, findRepositoryRoot, loadConfig, resolveDataDir } from './env';

const SECRETS = {
  JWT_SECRET: 'j'.repeat(32),
  COOKIE_SECRET: 'c'.repeat(32),
  IP_HASH_SALT: 's'.repeat(16),
  PUBLIC_URL: 'https://tular.id',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

describe('loadConfig', () => {
  it('starts with no configuration at all, using development defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', port: 3000, host: '0.0.0.0', dbEngine: 'auto', trustProxy: false, clientOrigins: [] });
    expect(config.dataDir).toBe(path.join(REPO_ROOT, 'data'));
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MONGODB_URI: 'postgres://x',
      JWT_SECRET: 'short',
      REDIS_URL: 'http://redis',
      TULAR_DB_ENGINE: 'sqlite',
      HOLD_RELEASE_INTERVAL_MS: '5',
      TRUST_PROXY: 'yes',
    });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named.sort()).toEqual(['HOLD_RELEASE_INTERVAL_MS', 'JWT_SECRET', 'MONGODB_URI', 'PORT', 'REDIS_URL', 'TRUST_PROXY', 'TULAR_DB_ENGINE']);
    expect(problems.find((p) => p.startsWith('JWT_SECRET'))).toContain('at least 32 characters');
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/Invalid configuration:\n {2}- PORT:/);
  });

  it('has no default secrets in production: it refuses to start and names each missing one', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['COOKIE_SECRET', 'IP_HASH_SALT', 'JWT_SECRET', 'PUBLIC_URL']);
    expect(problems.every((p) => p.includes('required when NODE_ENV=production'))).toBe(true);
    // A malformed variable and the missing secrets are reported together.
    const both = problemsOf({ NODE_ENV: 'production', PORT: '-1', JWT_SECRET: SECRETS.JWT_SECRET });
    expect(both.map((p) => p.split(':')[0]).sort()).toEqual(['COOKIE_SECRET', 'IP_HASH_SALT', 'PORT', 'PUBLIC_URL']);
    const config = loadConfig({ NODE_ENV: 'production', ...SECRETS });
    expect(config).toMatchObject({ jwtSecret: SECRETS.JWT_SECRET, cookieSecret: SECRETS.COOKIE_SECRET, ipHashSalt: SECRETS.IP_HASH_SALT, passwordHashCost: 16 });
  });

  it('accepts CLIENT_ORIGIN as comma-separated http(s) origins and names the bad one', () => {
    const config = loadConfig({ CLIENT_ORIGIN: ' https://tular.id , http://localhost:5173,' });
    expect(config.clientOrigins).toEqual(['https://tular.id', 'http://localhost:5173']);
    expect(config.clientOrigin).toBe('https://tular.id,http://localhost:5173');
    const problems = problemsOf({ CLIENT_ORIGIN: 'https://ok.id,tular.id,ftp://files.id,https://tular.id/app,https://tular.id/' });
    expect(problems).toHaveLength(4);
    expect(problems.every((p) => p.startsWith('CLIENT_ORIGIN: '))).toBe(true);
    expect(problems[0]).toContain('"tular.id" is not an http(s) origin');
    expect(problems[1]).toContain('"ftp://files.id" is not an http(s) origin');
    expect(problems[2]).toContain('did you mean https://tular.id?');
    expect(problems[3]).toContain('"https://tular.id/" must be just scheme://host[:port]');
  });
});

describe('DATA_DIR resolution', () => {
  it('finds the repository root (the workspaces package.json) from anywhere inside it', () => {
    expect(findRepositoryRoot(__dirname)).toBe(REPO_ROOT);
    expect(findRepositoryRoot(path.join(REPO_ROOT, 'server'))).toBe(REPO_ROOT);
    expect(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).workspaces).toBeDefined();
  });

  it('resolves ./data against the repository root whatever the working directory is', () => {
    const cwd = process.cwd();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-cwd-'));
    try {
      for (const dir of [path.join(REPO_ROOT, 'server'), elsewhere]) {
        process.chdir(dir);
        expect(resolveDataDir('./data')).toBe(path.join(REPO_ROOT, 'data'));
        expect(loadConfig({}).dataDir).toBe(path.join(REPO_ROOT, 'data'));
        expect(resolveDataDir('var/tular')).toBe(path.join(REPO_ROOT, 'var', 'tular'));
      }
    } finally {
      process.chdir(cwd);
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('keeps an absolute DATA_DIR as it is', () => {
    expect(resolveDataDir('/srv/tular/data')).toBe('/srv/tular/data');
    expect(resolveDataDir('/srv/tular/../data/')).toBe('/srv/data/');
    expect(loadConfig({ DATA_DIR: '/var/lib/tular' }).dataDir).toBe('/var/lib/tular');
  });
});
