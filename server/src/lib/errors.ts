import type { ErrorCode, FieldIssue } from '@tular/shared';

/** Every error the API answers with is an AppError; the status comes from the class, never the message. */
export abstract class AppError extends Error {
  abstract readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  constructor(issues: FieldIssue[], message?: string, code: ErrorCode = 'VALIDATION_FAILED') {
    super(code, message ?? `Invalid input: ${issues.map((i) => i.path || '(body)').join(', ')}`, issues);
  }
}

export class BadRequestError extends AppError {
  readonly status = 400;
}

export class AuthenticationError extends AppError {
  readonly status = 401;
}

export class AuthorizationError extends AppError {
  readonly status = 403;
  constructor(message = 'You are not allowed to do this', code: ErrorCode = 'FORBIDDEN') {
    super(code, message);
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  constructor(what = 'Resource', code: ErrorCode = 'NOT_FOUND') {
    super(code, `${what} not found`);
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
}

export class RateLimitError extends AppError {
  readonly status = 429;
  /** One code for every limit (clients show one message); `details.scope` says which limit it was. */
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many requests; try again in ${retryAfterSeconds} s`,
    details?: { scope: string },
  ) {
    super('RATE_LIMITED', message, details);
  }
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
}

/** Mongo duplicate-key detection by error code and key pattern, never by message text. */
export function isDuplicateKeyError(err: unknown, field?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: number; keyPattern?: Record<string, unknown>; keyValue?: Record<string, unknown> };
  if (e.code !== 11000) return false;
  if (!field) return true;
  // FerretDB v1 does not report keyPattern; without it we cannot tell which index, so answer true.
  const keys = e.keyPattern ?? e.keyValue;
  return !keys || field in keys;
}
