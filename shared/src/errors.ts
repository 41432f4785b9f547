/** Stable error codes of the HTTP API; clients switch on these, never on messages. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ROUTE_NOT_FOUND',
  'NOT_FOUND',
  'TOKEN_MISSING',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_WRONG_TYPE',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'EMAIL_TAKEN',
  'INVITE_INVALID',
  'CONFLICT',
  'RATE_LIMITED',
  'DATABASE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type KnownErrorCode = (typeof ERROR_CODES)[number];
/** Feature modules add their own codes (e.g. STOCK_EXHAUSTED); any UPPER_SNAKE string is allowed. */
export type ErrorCode = KnownErrorCode | (string & {});

export interface FieldIssue {
  path: string;
  message: string;
  /** zod's issue code (`too_small`, `invalid_format`, …): clients word the sentence in their own language from it. */
  code?: string;
  /** The limit a `too_small` / `too_big` issue broke, and what it measured (`string`, `number`, `array`). */
  minimum?: number;
  maximum?: number;
  origin?: string;
  /** What an `invalid_format` issue expected (`email`, `url`, `regex`) or an `invalid_type` one (`number`). */
  format?: string;
  expected?: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
