import type { ErrorCode, FieldIssue } from '@tular/shared';

/** An error body from the API (`{error:{code,message,details}}`), or a network failure (code NETWORK). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field messages keyed by form field (`body.price` → `price`, `body.buyer.name` → `buyer.name`). */
  get fieldErrors(): Record<string, string> {
    return toFieldErrors(this.details);
  }
}

function isFieldIssue(value: unknown): value is FieldIssue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as FieldIssue).path === 'string' &&
    typeof (value as FieldIssue).message === 'string'
  );
}

/** Maps server validation details to form fields; the first message per field wins. */
export function toFieldErrors(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(details)) return out;
  for (const issue of details) {
    if (!isFieldIssue(issue)) continue;
    const field = issue.path.replace(/^(body|query|params)\.?/, '') || '_';
    if (!(field in out)) out[field] = issue.message;
  }
  return out;
}

/** Turns whatever a response carried into an ApiError, tolerating non-JSON bodies (proxies, 502s). */
export function errorFromResponse(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error: { code?: unknown; message?: unknown; details?: unknown } }).error;
    if (e && typeof e.code === 'string') {
      return new ApiError(status, e.code, typeof e.message === 'string' ? e.message : e.code, e.details);
    }
  }
  return new ApiError(status, status >= 500 ? 'INTERNAL' : 'UNKNOWN', `HTTP ${status}`);
}
