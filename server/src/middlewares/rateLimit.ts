import type { Request, RequestHandler } from 'express';
import { RateLimitError } from '../lib/errors';
import { RateLimiter } from '../lib/rateLimiter';

export function rateLimit(opts: { name: string; limit: number; windowMs: number; key?: (req: Request) => string }): RequestHandler {
  const limiter = new RateLimiter(opts.limit, opts.windowMs);
  return (req, _res, next) => {
    const retryAfter = limiter.hit(`${opts.name}:${opts.key ? opts.key(req) : (req.ip ?? 'unknown')}`);
    next(retryAfter ? new RateLimitError(retryAfter) : undefined);
  };
}
