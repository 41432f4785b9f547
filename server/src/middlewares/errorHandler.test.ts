import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { buildTestApp, useTestDatabase } from '../../test/harness';
import { serveClient } from '../lib/clientAssets';
import { errorHandler, notFoundHandler } from './errorHandler';

useTestDatabase();
const app = buildTestApp();

/** supertest JSON-encodes a Buffer sent as application/json, so compressed bodies go over a real socket. */
async function postRaw(pathname: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const server = http.createServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${pathname}`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('client errors raised by Express itself are 4xx in the JSON error model', () => {
  it('answers a malformed percent-encoding in a path parameter with 400 BAD_REQUEST', async () => {
    const res = await app.http.get('/api/v1/shops/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'The URL contains an invalid percent-encoding' } });
  });

  it('answers a body that claims gzip but is not with 400 BAD_REQUEST', async () => {
    const res = await postRaw('/api/v1/auth/login', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, Buffer.from('definitely not gzip'));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'The request body could not be decompressed' } });
  });

  it('still reads a genuine gzip body', async () => {
    const gzipped = zlib.gzipSync(JSON.stringify({ email: 'nobody@example.id', password: 'salah-sekali' }));
    const res = await postRaw('/api/v1/auth/login', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, gzipped);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('INVALID_CREDENTIALS');
  });

  it('answers an unknown content encoding or charset with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const encoding = await app.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').set('Content-Encoding', 'compress').send('{}');
    expect(encoding.status).toBe(415);
    expect(encoding.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content encoding "compress"' });
    const charset = await app.http.post('/api/v1/auth/login').set('Content-Type', 'application/json; charset=klingon').send('{}');
    expect(charset.status).toBe(415);
    expect(charset.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a missing hashed asset with 404 NOT_FOUND, not 500', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'tular-dist-'));
    try {
      fs.mkdirSync(path.join(dist, 'assets'));
      fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
      const site = express();
      expect(serveClient(site, dist)).toBe(true);
      site.use(notFoundHandler);
      site.use(errorHandler({ exposeInternal: true }));
      const res = await request(site).get('/assets/x.js');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Not Found' } });
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('unexpected errors', () => {
  function appThatThrows(env: 'production' | 'development') {
    const built = buildTestApp({ env });
    built.api.add({
      method: 'get',
      path: '/test-only/boom',
      summary: 'throws',
      access: 'public',
      handler: () => {
        throw new Error('connection string mongodb://admin:hunter2@db leaked');
      },
    });
    return built;
  }

  it('hides the message and stack trace in production behind a generic 500', async () => {
    const res = await appThatThrows('production').http.get('/api/v1/test-only/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('errorHandler');
    expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('shows the stack outside production, where it helps a developer', async () => {
    const res = await appThatThrows('development').http.get('/api/v1/test-only/boom');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.error.details.stack).toContain('hunter2');
  });
});

describe('CORS', () => {
  const corsApp = buildTestApp({ clientOrigin: 'https://tular.id', clientOrigins: ['https://tular.id'] });

  it('lets CLIENT_ORIGIN read responses with credentials', async () => {
    const res = await corsApp.http.get('/healthz').set('Origin', 'https://tular.id');
    expect(res.headers['access-control-allow-origin']).toBe('https://tular.id');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const preflight = await corsApp.http
      .options('/api/v1/auth/login')
      .set('Origin', 'https://tular.id')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,authorization');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://tular.id');
  });

  it('gives any other origin no CORS grant', async () => {
    for (const origin of ['https://evil.example', 'https://tular.id.evil.example', 'http://tular.id']) {
      const res = await corsApp.http.get('/healthz').set('Origin', origin);
      expect(res.status).toBe(200);
      // (cors still sends Allow-Credentials; without Allow-Origin the browser withholds the response.)
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('grants no origin at all when CLIENT_ORIGIN is unset (same origin only)', async () => {
    const res = await app.http.get('/healthz').set('Origin', 'https://tular.id');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
