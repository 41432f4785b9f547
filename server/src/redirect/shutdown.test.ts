import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Types } from 'mongoose';
import { useTestDatabase } from '../../test/harness';
import { uriWithDatabase } from '../db/engine';
import { freePort } from '../db/ferretdb';
import { ClickEventModel } from '../models/ClickEvent';
import { LinkModel, linkScopeKey } from '../models/Link';
import { MembershipModel } from '../models/Membership';
import { ProductModel } from '../models/Product';
import { rollupCollection } from '../models/Rollup';
import { ShopModel } from '../models/Shop';

const db = useTestDatabase();
const REPO = path.resolve(__dirname, '../../..');
const BROWSER = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
jest.setTimeout(90_000);

async function seedLink(): Promise<{ code: string; linkId: Types.ObjectId }> {
  const ownerId = new Types.ObjectId();
  const resellerId = new Types.ObjectId();
  const shop = await ShopModel.create({ ownerId, name: 'Toko SIGTERM', slug: `sigterm-${ownerId}`, whatsapp: '+6281234567890' });
  const product = await ProductModel.create({ shopId: shop._id, name: 'Keripik', price: 25_000, stock: 10 });
  await MembershipModel.create({ shopId: shop._id, resellerId, status: 'approved', segment: 'buzzer' });
  const code = 'sgTERM23';
  const fields = { resellerId: String(resellerId), shopId: String(shop._id), productId: String(product._id), channel: 'whatsapp', destination: 'page' };
  const link = await LinkModel.create({ ...fields, code, scopeKey: linkScopeKey(fields) });
  return { code, linkId: link._id };
}

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { 'User-Agent': BROWSER }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function waitReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${output().slice(-2000)}`);
    const status = await get(port, '/readyz').catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`server not ready: ${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('SIGTERM', () => {
  it('flushes clicks still in the buffer to the database and exits 0', async () => {
    const { code, linkId } = await seedLink();
    const port = await freePort();
    const child = spawn(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['server/src/index.ts'], {
      cwd: REPO,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        MONGODB_URI: uriWithDatabase(process.env.TULAR_TEST_DB_URI!, db.name),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: path.join(os.tmpdir(), `tular-sigterm-${process.pid}`),
        // Ten minutes: nothing but the SIGTERM flush can write these clicks (the default is 250 ms).
        CLICK_FLUSH_INTERVAL_MS: '600000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed run can take down tsx and the node process it starts.
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (codeOrNull) => resolve(codeOrNull)));
    try {
      await waitReady(port, child, () => output);
      const N = 40;
      const statuses = await Promise.all(Array.from({ length: N }, () => get(port, `/r/${code}`)));
      expect(statuses).toEqual(Array(N).fill(302));
      // Longer than the default flush interval: had the timer been running, they would be stored by now.
      await new Promise((r) => setTimeout(r, 750));
      // Proof that they are still buffered in memory when the signal arrives (N is below the 500 batch).
      expect(await ClickEventModel.countDocuments({ linkId })).toBe(0);
      child.kill('SIGTERM');
      const exitCode = await exited;
      expect({ exitCode, output: exitCode === 0 ? '' : output }).toEqual({ exitCode: 0, output: '' });
      expect(await ClickEventModel.countDocuments({ linkId })).toBe(N);
      const buckets = await rollupCollection().find({ scope: 'link', key: String(linkId), granularity: 'day' }).toArray();
      expect(buckets.reduce((n, b) => n + (b.clicks ?? 0), 0)).toBe(N);
      expect(output).toContain('click buffer flushed');
    } finally {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
  });
});
