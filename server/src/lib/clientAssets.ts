import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';

/** Where `npm run build` puts the web client (client/dist), resolved from this file so cwd does not matter. */
export const DEFAULT_CLIENT_DIST = path.resolve(__dirname, '../../../client/dist');

/** Paths the SPA must never swallow: the API, the short-link redirect, live events and probes. */
const NOT_SPA = /^\/(api|r|socket\.io|healthz|readyz)(\/|$)/;

/**
 * Serves the built client when it exists, so one process is the whole product. Hashed files under
 * /assets never change (a new build gets new names): cached for a year and immutable. index.html
 * must always be revalidated, or phones would keep loading an old build's asset names.
 * Returns false (and serves nothing) when the client has not been built.
 */
export function serveClient(app: Express, distDir = DEFAULT_CLIENT_DIST): boolean {
  const indexFile = path.join(distDir, 'index.html');
  if (!fs.existsSync(indexFile)) return false;
  app.use(
    '/assets',
    express.static(path.join(distDir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
    }),
  );
  app.use(express.static(distDir, { index: false, maxAge: '1h' }));
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_SPA.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  });
  return true;
}
