import type { Express } from 'express';
import type { ApiRouter } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { pingDatabase } from '../../db/connection';
import { buildOpenApiDocument } from '../../lib/openapi';

/** Liveness, readiness and the OpenAPI document live outside /api/v1 or are generated from it. */
export function registerSystemRoutes(app: Express, api: ApiRouter, { config, lifecycle }: AppDeps): void {
  app.get('/healthz', (_req, res) => {
    res.json({ data: { status: 'ok' } });
  });
  app.get('/readyz', async (_req, res) => {
    const database = await pingDatabase();
    const ready = database && !lifecycle.isStopping;
    res.status(ready ? 200 : 503).json(
      ready
        ? { data: { status: 'ready', database: 'up' } }
        : { error: { code: 'NOT_READY', message: lifecycle.isStopping ? 'Shutting down' : 'The database is not reachable', details: { database: database ? 'up' : 'down' } } },
    );
  });
  let doc: unknown;
  app.get(`${api.prefix}/openapi.json`, (_req, res) => {
    doc ??= buildOpenApiDocument(api, { title: 'Tular API', version: '1.0.0', serverUrl: config.publicUrl });
    res.json(doc);
  });
}
