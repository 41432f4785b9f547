import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MongoServerSelectionError, MongoNetworkError, MongoNotConnectedError } from 'mongodb';
import mongoose from 'mongoose';
import type { ErrorBody } from '@tular/shared';
import { AppError, RateLimitError } from '../lib/errors';

function isDatabaseDown(err: unknown): boolean {
  if (err instanceof MongoServerSelectionError || err instanceof MongoNetworkError || err instanceof MongoNotConnectedError) {
    return true;
  }
  const name = (err as { name?: string } | null)?.name;
  // By name too: mongoose bundles its own copy of the driver, so `instanceof` against ours misses its errors.
  return (
    name === 'MongoServerSelectionError' ||
    name === 'MongoNetworkError' ||
    name === 'MongoNotConnectedError' ||
    name === 'MongoPoolClearedError' ||
    name === 'MongooseServerSelectionError' ||
    name === 'MongoNetworkTimeoutError' ||
    (err instanceof mongoose.Error && name === 'MongooseError' && mongoose.connection.readyState !== 1)
  );
}

/** Express's own body-parser errors carry `type`; map them to our codes. */
function bodyParserError(err: unknown): AppError | null {
  const e = err as { type?: string; status?: number } | null;
  if (!e?.type) return null;
  if (e.type === 'entity.parse.failed') {
    return new (class extends AppError {
      readonly status = 400;
    })('MALFORMED_JSON', 'The request body is not valid JSON');
  }
  if (e.type === 'entity.too.large') {
    return new (class extends AppError {
      readonly status = 413;
    })('PAYLOAD_TOO_LARGE', 'The request body is too large');
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new (class extends AppError {
      readonly status = 415;
    })('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
  }
  return null;
}

export function errorHandler(opts: { exposeInternal: boolean }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = err instanceof AppError ? err : bodyParserError(err);
    let status: number;
    let body: ErrorBody;
    if (appError) {
      status = appError.status;
      body = { error: { code: appError.code, message: appError.message, ...(appError.details !== undefined ? { details: appError.details } : {}) } };
      if (appError instanceof RateLimitError) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    } else if (isDatabaseDown(err)) {
      status = 503;
      res.setHeader('Retry-After', '5');
      body = { error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; please retry shortly' } };
      req.log?.warn({ err }, 'database unavailable');
    } else {
      status = 500;
      req.log?.error({ err }, 'unhandled error');
      body = {
        error: {
          code: 'INTERNAL',
          message: 'Something went wrong on our side',
          ...(opts.exposeInternal ? { details: { message: (err as Error)?.message, stack: (err as Error)?.stack } } : {}),
        },
      };
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  const body: ErrorBody = { error: { code: 'ROUTE_NOT_FOUND', message: `No route for ${req.method} ${req.path}` } };
  res.status(404).json(body);
};
