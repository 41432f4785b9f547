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

  /** The whole issue per field (its zod `code` too), for sentences in the person's language. */
  get fieldIssues(): Record<string, FieldIssue> {
    return toFieldIssues(this.details);
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

/** Maps server validation details to form fields; the first issue per field wins. */
export function toFieldIssues(details: unknown): Record<string, FieldIssue> {
  const out: Record<string, FieldIssue> = {};
  if (!Array.isArray(details)) return out;
  for (const issue of details) {
    if (!isFieldIssue(issue)) continue;
    // An unknown-keys issue names several fields at once ("body.a, body.b").
    for (const path of issue.path.split(', ')) {
      const field = path.replace(/^(body|query|params)\.?/, '') || '_';
      if (!(field in out)) out[field] = issue;
    }
  }
  return out;
}

/** The server's own message per field (English); forms show `fieldIssues` translated instead. */
export function toFieldErrors(details: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(toFieldIssues(details)).map(([field, issue]) => [field, issue.message]));
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
