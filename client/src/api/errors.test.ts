import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, toFieldErrors, toFieldIssues } from './errors';

describe('server errors mapped to form fields', () => {
  it('puts each message next to its field, without the body/query prefix', () => {
    const fields = toFieldErrors([
      { path: 'body.price', message: 'must be whole rupiah' },
      { path: 'body.buyer.phone', message: 'must be an Indonesian mobile number' },
      { path: 'query.limit', message: 'too big' },
      { path: 'body.price', message: 'second message for the same field is dropped' },
    ]);
    expect(fields).toEqual({ price: 'must be whole rupiah', 'buyer.phone': 'must be an Indonesian mobile number', limit: 'too big' });
  });

  it('maps an issue about the whole body to the form-level key', () => {
    expect(toFieldErrors([{ path: 'body', message: 'send at least one field' }])).toEqual({ _: 'send at least one field' });
  });

  it('keeps each issue’s zod code per field, and splits an unknown-keys issue over its fields', () => {
    const issues = toFieldIssues([
      { path: 'body.price', message: 'Too small', code: 'too_small' },
      { path: 'body.foo, body.bar', message: 'unknown fields: foo, bar', code: 'unrecognized_keys' },
    ]);
    expect(issues.price?.code).toBe('too_small');
    expect(Object.keys(issues).sort()).toEqual(['bar', 'foo', 'price']);
  });

  it('ignores details that are not a list of issues', () => {
    expect(toFieldErrors({ database: 'down' })).toEqual({});
    expect(toFieldErrors(undefined)).toEqual({});
    expect(toFieldErrors([{ nope: 1 }])).toEqual({});
  });

  it('reads the code, message and details of an API error body', () => {
    const err = errorFromResponse(400, { error: { code: 'VALIDATION_FAILED', message: 'bad', details: [{ path: 'body.stock', message: 'must not be negative' }] } });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.fieldErrors).toEqual({ stock: 'must not be negative' });
  });

  it('survives a proxy page instead of JSON', () => {
    expect(errorFromResponse(502, '<html>Bad gateway</html>').code).toBe('INTERNAL');
    expect(errorFromResponse(418, null).code).toBe('UNKNOWN');
  });
});
