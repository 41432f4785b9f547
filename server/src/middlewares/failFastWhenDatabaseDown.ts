import type { RequestHandler } from 'express';
import type { ErrorBody } from '@tular/shared';
import { isDatabaseReady } from '../db/connection';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * While the database is known to be down (the driver's monitor marked the server unknown, or lost the
 * primary: mongoose's readyState), an API write answers 503 at once instead of waiting out server
 * selection (5 s) first — a phone on a slow network should learn "retry shortly" immediately. Reads
 * go on: some are served from caches, and the rest fail with the same 503 on their own.
 */
export const failFastWhenDatabaseDown: RequestHandler = (req, res, next) => {
  if (READS.has(req.method) || isDatabaseReady()) {
    next();
    return;
  }
  const body: ErrorBody = { error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; please retry shortly' } };
  res.setHeader('Retry-After', '5');
  res.status(503).json(body);
};
