import type { RequestHandler } from 'express';
import type { FieldIssue } from '@tular/shared';
import { ValidationError } from '../lib/errors';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Finds keys that could smuggle a Mongo operator or pollute a prototype, anywhere in a parsed body or query. */
export function findDangerousKeys(value: unknown, path = '', out: FieldIssue[] = [], depth = 0): FieldIssue[] {
  if (depth > 32) {
    out.push({ path, message: 'nested too deeply' });
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => findDangerousKeys(item, path ? `${path}.${i}` : String(i), out, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key.startsWith('$')) out.push({ path: here, message: 'keys starting with $ are not allowed', code: 'operator_key' });
      else if (FORBIDDEN_KEYS.has(key)) out.push({ path: here, message: `the key "${key}" is not allowed`, code: 'forbidden_key' });
      else findDangerousKeys((value as Record<string, unknown>)[key], here, out, depth + 1);
    }
  }
  return out;
}

/** Defence in depth behind the strict zod schemas: `{"$gt": ""}` anywhere is a 400 before any handler runs. */
export const rejectOperatorKeys: RequestHandler = (req, _res, next) => {
  const issues = [...findDangerousKeys(req.body, 'body'), ...findDangerousKeys(req.query, 'query')];
  if (issues.length) {
    next(new ValidationError(issues, `Forbidden keys in the request: ${issues.map((i) => i.path).join(', ')}`));
    return;
  }
  next();
};
