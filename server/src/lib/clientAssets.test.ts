import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { serveClient } from './clientAssets';

function builtClient(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-client-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

function appWith(dir: string) {
  const app = express();
  app.get('/api/v1/ping', (_req, res) => void res.json({ data: 'pong' }));
  const served = serveClient(app, dir);
  app.use((_req, res) => void res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: 'none' } }));
  return { app, served };
}

describe('serving the built client', () => {
  const dir = builtClient();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('caches hashed assets for a year as immutable, and 404s a missing one instead of sending the page', async () => {
    const { app } = appWith(dir);
    const res = await request(app).get('/assets/index-abc123.js').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    await request(app).get('/assets/index-gone.js').expect(404);
  });

  it('answers a page route with index.html that phones must revalidate', async () => {
    const { app } = appWith(dir);
    const res = await request(app).get('/owner/orders').set('Accept', 'text/html').expect(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.text).toContain('id="root"');
    await request(app).get('/').set('Accept', 'text/html').expect(200);
  });

  it('leaves the API, the redirect and non-HTML requests to their own handlers', async () => {
    const { app } = appWith(dir);
    await request(app).get('/api/v1/ping').set('Accept', 'text/html').expect(200, { data: 'pong' });
    await request(app).get('/api/v1/missing').set('Accept', 'text/html').expect(404);
    await request(app).get('/r/AbCdEfGh').set('Accept', 'text/html').expect(404);
    await request(app).get('/owner').set('Accept', 'application/json').expect(404);
    await request(app).post('/owner').set('Accept', 'text/html').expect(404);
  });

  it('serves nothing when the client has not been built', () => {
    const { served } = appWith(path.join(dir, 'nope'));
    expect(served).toBe(false);
  });
});
