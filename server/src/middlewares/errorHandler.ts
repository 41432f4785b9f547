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

class HttpClientError extends AppError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** Stable codes for the 4xx statuses Express, body-parser, the router and serve-static raise. */
const CLIENT_STATUS: Record<number, { code: string; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'The request could not be understood' },
  403: { code: 'FORBIDDEN', message: 'You are not allowed to do this' },
  404: { code: 'NOT_FOUND', message: 'Not found' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'This method is not allowed here' },
  406: { code: 'NOT_ACCEPTABLE', message: 'No acceptable representation' },
  411: { code: 'LENGTH_REQUIRED', message: 'A Content-Length is required' },
  412: { code: 'PRECONDITION_FAILED', message: 'A precondition failed' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported body encoding' },
  416: { code: 'RANGE_NOT_SATISFIABLE', message: 'The requested range cannot be served' },
};

/**
 * Errors from Express's own layers (body-parser, the router's parameter decoding, serve-static)
 * are http-errors: a 4xx `status`/`statusCode` means the client sent something wrong, so they get
 * the JSON error model with a stable code instead of falling through to a 500.
 */
function httpClientError(err: unknown): AppError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  if (e.type === 'entity.parse.failed') return new HttpClientError(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  if (e.type === 'entity.too.large') return new HttpClientError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new HttpClientError(415, 'UNSUPPORTED_MEDIA_TYPE', typeof e.message === 'string' && e.expose === true ? e.message : 'Unsupported body encoding');
  }
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || !Number.isInteger(status) || status < 400 || status > 499) return null;
  const known = CLIENT_STATUS[status] ?? { code: 'BAD_REQUEST', message: 'The request could not be processed' };
  if (err instanceof URIError) return new HttpClientError(400, 'BAD_REQUEST', 'The URL contains an invalid percent-encoding');
  // A broken gzip/deflate body surfaces as a zlib error wrapped in a 400.
  if (e.type === undefined && typeof (err as { code?: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('Z_')) {
    return new HttpClientError(400, 'BAD_REQUEST', 'The request body could not be decompressed');
  }
  // `expose` is http-errors' verdict that the message is safe to show; otherwise use ours.
  const message = e.expose === true && typeof e.message === 'string' && e.message ? e.message : known.message;
  return new HttpClientError(status, known.code, message);
}

export function errorHandler(opts: { exposeInternal: boolean }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = err instanceof AppError ? err : httpClientError(err);
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
