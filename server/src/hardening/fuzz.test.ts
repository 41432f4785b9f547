import crypto from 'node:crypto';
import querystring from 'node:querystring';
import fc from 'fast-check';
import mongoose from 'mongoose';
import type { ZodType } from 'zod';
import type { FieldIssue } from '@tular/shared';
import { buildTestApp, useTestDatabase } from '../../test/harness';
import { zodIssues, type RouteSpec } from '../lib/apiRouter';
import { imageBody } from '../lib/photoStore';
import { findDangerousKeys } from '../middlewares/rejectOperatorKeys';
import { signConversion } from '../commands/conversions/conversionSecrets';
import { buildFixture, fillPath, type Fixture } from './fixtures';

/**
 * Property-based fuzzing of every route in the route table that takes a body or a query: malformed
 * JSON, oversized bodies and values, wrong types per field, Mongo operators (`{"$gt":""}`,
 * `{"$where":…}`, `?from[$gt]=`) and prototype keys (`__proto__`, `constructor`) in the body and in
 * the query (the query injections go to every route). Never a 5xx; every error is JSON with a code; a value the schema refuses is a 400 whose
 * details name exactly the fields the schema names; a write route changes no document at all.
 */
useTestDatabase();
const app = buildTestApp();
let fixture: Fixture;
let conversionSecret = '';

// Every route: those with a body or query schema get their payloads fuzzed; all get the query injections.
const fuzzed = app.api.routes;
const runs = Number(process.env.FUZZ_RUNS ?? 15);
/** Routes whose body is raw image bytes: validated by the upload check, not by a JSON schema. */
const takesImage = (r: RouteSpec): boolean => Boolean(r.before?.includes(imageBody));
const isConversion = (r: RouteSpec): boolean => r.path === '/conversions';

/** Callers are the first role the route admits, so validation (not authentication) is what answers. */
function authFor(access: 'public' | readonly string[]): Record<string, string> {
  if (access === 'public') return {};
  if (access.includes('owner')) return fixture.headers.owner;
  if (access.includes('reseller')) return fixture.headers.reseller;
  return fixture.headers.admin;
}

function paramsFor(f: Fixture): Record<string, string> {
  return { id: f.productId, shopId: f.shopId, slug: f.shopSlug, code: f.linkCode };
}

interface ZodDef {
  type?: string;
  shape?: Record<string, ZodType>;
  innerType?: ZodType;
  in?: ZodType;
  schema?: ZodType;
  element?: ZodType;
}
const defOf = (schema: ZodType | undefined): ZodDef => ((schema as unknown as { def?: ZodDef } | undefined)?.def ?? {});

/** The object shape behind wrappers (pipe, optional, default), or {} when the schema is not an object. */
function shapeOf(schema: ZodType | undefined): Record<string, ZodType> {
  let s = schema;
  for (let i = 0; i < 6 && s; i += 1) {
    const def = defOf(s);
    if (def.type === 'object') return (s as unknown as { shape: Record<string, ZodType> }).shape;
    s = def.in ?? def.innerType ?? def.schema;
  }
  return {};
}

/** The JSON kind a field takes, unwrapping optional/default/nullable/pipe. */
function kindOf(schema: ZodType): string {
  let s: ZodType | undefined = schema;
  for (let i = 0; i < 6 && s; i += 1) {
    const def = defOf(s);
    if (!['optional', 'default', 'nullable', 'pipe', 'prefault', 'catch', 'readonly'].includes(def.type ?? '')) return def.type ?? 'unknown';
    s = def.in ?? def.innerType;
  }
  return 'unknown';
}

/** JSON values that are never of the field's kind, so the schema must refuse them. */
function wrongValueFor(kind: string): fc.Arbitrary<unknown> | null {
  const obj = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.integer(), fc.string({ maxLength: 10 })), { maxKeys: 3 });
  const arr = fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 10 })), { maxLength: 3 });
  switch (kind) {
    case 'string':
    case 'date':
      return fc.oneof(fc.integer(), fc.boolean(), obj, arr);
    case 'enum':
    case 'literal':
      // Literals may be numbers (holdDays: 0 | 7 | 14 | 30) or strings: neither is a boolean, object or array.
      return fc.oneof(fc.boolean(), obj, arr);
    case 'number':
    case 'int':
    case 'bigint':
      return fc.oneof(fc.string({ maxLength: 20 }).filter((v) => v.trim() === '' || Number.isNaN(Number(v))), fc.boolean(), obj, arr);
    case 'boolean':
      return fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), obj, arr);
    case 'object':
    case 'record':
      return fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), arr);
    case 'array':
      return fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), obj);
    default:
      return null;
  }
}

/** A digest of every document in every collection: failing requests must leave it as it was. */
async function databaseDigest(): Promise<string> {
  await app.deps.rollups.flush();
  const db = mongoose.connection.db!;
  const names = (await db.listCollections().toArray()).map((c) => c.name).filter((n) => n !== '_write_locks').sort();
  const hash = crypto.createHash('sha256');
  for (const name of names) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    hash.update(`${name}:${docs.length}:${JSON.stringify(docs)}`);
  }
  return hash.digest('hex');
}

interface Answer {
  status: number;
  body: { error?: { code?: unknown; message?: unknown; details?: unknown } };
  type: string;
}

async function send(route: RouteSpec, raw: string | null, query = ''): Promise<Answer> {
  const url = `/api/v1${fillPath(route.path, paramsFor(fixture))}${query ? `?${query}` : ''}`;
  let req = app.http[route.method](url).set(authFor(route.access));
  if (raw !== null) {
    req = req.set('Content-Type', 'application/json');
    // Signed like a real integrator, so the conversion API's body rules are what answers.
    if (isConversion(route)) {
      const key = `fuzz-${crypto.randomBytes(6).toString('hex')}`;
      req = req.set('Idempotency-Key', key).set('X-Tular-Signature', signConversion(raw, key, conversionSecret));
    }
    req = req.send(raw);
  }
  const res = await req;
  return { status: res.status, body: res.body, type: res.type };
}

function assertJsonError(res: Answer, label: string): void {
  if (res.status >= 500) throw new Error(`${label}: answered ${res.status} ${JSON.stringify(res.body)}`);
  if (res.status >= 400) {
    if (res.type !== 'application/json' || typeof res.body?.error?.code !== 'string' || typeof res.body.error.message !== 'string') {
      throw new Error(`${label}: ${res.status} without a JSON error code and message`);
    }
  }
}

const detailPaths = (res: Answer): string[] => (Array.isArray(res.body.error?.details) ? (res.body.error.details as FieldIssue[]).map((d) => d.path).sort() : []);

/**
 * What the API must answer for an input, by the same rules it uses: dangerous keys first (the global
 * middleware), then the route's zod schema. null when the input is acceptable.
 */
function expectedIssues(schema: ZodType | undefined, value: unknown, where: 'body' | 'query'): string[] | null {
  const dangerous = findDangerousKeys(value, where);
  if (dangerous.length) return dangerous.map((i) => i.path).sort();
  const parsed = (schema ?? EMPTY).safeParse(value);
  return parsed.success ? null : zodIssues(parsed.error, where).map((i) => i.path).sort();
}
const EMPTY = { safeParse: (v: unknown) => ({ success: typeof v === 'object' && v !== null && Object.keys(v).length === 0, error: undefined }) } as unknown as ZodType;

/** Refused input: a 400 VALIDATION_FAILED naming exactly the fields the rules name. */
function assertNamed(res: Answer, expected: string[], label: string): void {
  assertJsonError(res, label);
  if (res.status !== 400 || res.body.error?.code !== 'VALIDATION_FAILED') throw new Error(`${label}: expected 400 VALIDATION_FAILED, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  const got = detailPaths(res);
  if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${label}: details name ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
}

/** Builds `a=1&a=2&b=…` (repeated keys make arrays, as a browser or curl would send them). */
function queryString(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%24/g, '$')}=${encodeURIComponent(v)}`).join('&');
}

beforeAll(async () => {
  fixture = await buildFixture(app);
  const secret = await app.http.post(`/api/v1/shops/${fixture.shopId}/conversion-secret`).set(fixture.headers.owner);
  conversionSecret = secret.body.data.secret as string;
}, 60_000);

describe.each(fuzzed.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('fuzz %s', (_label, route) => {
  const bodyShape = shapeOf(route.body);
  const queryShape = shapeOf(route.query);
  const bodyKeys = Object.keys(bodyShape).filter((k) => !(isConversion(route) && k === 'productId'));
  const queryKeys = Object.keys(queryShape);
  const jsonBody = Boolean(route.body) && !takesImage(route);
  const isWrite = route.method !== 'get';
  // The conversion API finds the shop's secret through the product, so every fuzzed body names it.
  const withRequired = (payload: unknown): unknown =>
    isConversion(route) && payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? { productId: fixture.productId, ...payload } : payload;
  let before = '';

  beforeAll(async () => {
    if (isWrite) before = await databaseDigest();
  });

  if (route.body) {
    it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => {
            try {
              JSON.parse(s);
              return false;
            } catch {
              return s.trim().length > 0;
            }
          }),
          async (raw) => {
            const res = await send(route, raw);
            expect(res.status).toBe(400);
            expect(res.body.error?.code).toBe('MALFORMED_JSON');
          },
        ),
        { numRuns: runs },
      );
    });

    it('refuses an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await send(route, JSON.stringify({ [bodyKeys[0] ?? 'name']: 'x'.repeat(200_000) }));
      expect(res.status).toBe(413);
      expect(res.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('rejects operator and prototype keys anywhere in the body with a 400 naming the key', async () => {
      const dangerous = fc.constantFrom('$gt', '$ne', '$where', '$regex', '$expr', '__proto__', 'constructor', 'prototype');
      const innocent = fc.oneof(fc.constant(''), fc.constant('sleep(1000) || true'), fc.constant('function () { return true }'), fc.constant({ admin: true }), fc.integer());
      await fc.assert(
        fc.asyncProperty(dangerous, innocent, fc.constantFrom(...(bodyKeys.length ? bodyKeys : ['name'])), fc.boolean(), async (bad, value, field, nested) => {
          // Raw JSON text: an object literal would turn "__proto__" into a prototype, not a key.
          const inner = `{${JSON.stringify(bad)}:${JSON.stringify(value)}}`;
          const raw = nested ? `{${JSON.stringify(field)}:${inner}}` : inner;
          const res = await send(route, raw);
          assertNamed(res, [nested ? `body.${field}.${bad}` : `body.${bad}`], raw);
        }),
        { numRuns: runs },
      );
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });
  }

  if (jsonBody) {
    it('answers a wrongly typed field with a 400 naming that field, and any shape without a 5xx', async () => {
      const typed = bodyKeys.map((k) => [k, wrongValueFor(kindOf(bodyShape[k]!))] as const).filter((e): e is readonly [string, fc.Arbitrary<unknown>] => e[1] !== null);
      const wronglyTyped = fc
        .subarray([...typed], { minLength: Math.min(1, typed.length), maxLength: Math.min(3, typed.length) })
        .chain((picked) => fc.tuple(...picked.map(([k, v]) => v.map((x): [string, unknown] => [k, x]))));
      if (typed.length) await fc.assert(
        fc.asyncProperty(wronglyTyped, async (entries) => {
          const payload = withRequired(Object.fromEntries(entries));
          const raw = JSON.stringify(payload);
          const expected = expectedIssues(route.body, JSON.parse(raw), 'body');
          if (!expected) throw new Error(`${raw}: the schema accepts this "wrong" value`);
          const res = await send(route, raw);
          assertNamed(res, expected, raw);
          // The very field that has the wrong type is named.
          for (const [k] of entries) expect(expected.some((p) => p === `body.${k}` || p.startsWith(`body.${k}.`))).toBe(true);
        }),
        { numRuns: runs },
      );
      // Shapes of every kind (top-level arrays, random keys): the rules decide, never a 5xx.
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom(...(bodyKeys.length ? bodyKeys : ['x'])), fc.jsonValue({ maxDepth: 2 }))), async (value) => {
          const raw = JSON.stringify(withRequired(value));
          const parsedBack: unknown = JSON.parse(raw);
          const objectBody = parsedBack !== null && typeof parsedBack === 'object';
          // A write route only gets what it must refuse: an accepted body would rightly change documents.
          if (isWrite && objectBody && !expectedIssues(route.body, parsedBack, 'body')) fc.pre(false);
          const res = await send(route, raw);
          if (!objectBody) {
            // express.json in strict mode takes objects and arrays only.
            expect([res.status, res.body.error?.code]).toEqual([400, 'MALFORMED_JSON']);
            return;
          }
          const namesProduct = !Array.isArray(parsedBack) && (parsedBack as { productId?: unknown }).productId === fixture.productId;
          if (isConversion(route) && !namesProduct && findDangerousKeys(parsedBack, 'body').length === 0) {
            // The signature is checked with the product's shop secret, before the body rules.
            expect([res.status, res.body.error?.code]).toEqual([404, 'PRODUCT_NOT_FOUND']);
            return;
          }
          const expected = expectedIssues(route.body, parsedBack, 'body');
          if (expected) assertNamed(res, expected, raw);
          else assertJsonError(res, raw);
        }),
        { numRuns: runs, maxSkipsPerRun: 1000 },
      );
    });
  }

  if (route.body && !jsonBody) {
    it('answers any JSON or wrong bytes without a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), async (value) => {
          const res = await send(route, JSON.stringify(value));
          assertJsonError(res, JSON.stringify(value).slice(0, 200));
          expect(res.status).toBeGreaterThanOrEqual(400);
        }),
        { numRuns: runs },
      );
    });
  }

  if (route.query) {
    it('answers wrong, repeated and oversized query values with a 400 naming exactly the field, never a 5xx', async () => {
      const value = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('', 'abc', '-1', '0', '1e309', '99999999999999', 'NaN', '2026-13-45', '2026-02-30', '1900-01-01', '2999-01-01T00:00:00Z', 'true', 'null', '[]', '{}'),
        // Long, but under Node's 16 KB header limit even three times over (a longer URL is Node's 431, before any route).
        fc.constant('x'.repeat(3000)),
      );
      const pairs = fc.array(fc.tuple(fc.constantFrom(...queryKeys), value), { minLength: 1, maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(pairs, async (list) => {
          const qs = queryString(list);
          // What Express's simple query parser makes of it: repeated keys become arrays.
          const parsed: Record<string, unknown> = { ...querystring.parse(qs) };
          const expected = expectedIssues(route.query, parsed, 'query');
          const res = await send(route, null, qs);
          if (expected) assertNamed(res, expected, qs.slice(0, 200));
          else {
            assertJsonError(res, qs.slice(0, 200));
            // A value the schema takes but the handler cannot (a range too long, from after to) still names a query field.
            if (res.status === 400) expect(detailPaths(res).every((p) => p.startsWith('query.'))).toBe(true);
          }
        }),
        { numRuns: runs },
      );
    });
  }

  it('rejects operator and prototype keys in the query (`?from[$gt]=`, `?$where=`, `?__proto__=`) with a 400 naming the key', async () => {
    const field = fc.constantFrom(...(queryKeys.length ? queryKeys : ['from']));
    const key = fc.oneof(
      fc.constantFrom('$where', '$gt', '$ne', '$regex', '__proto__', 'constructor', 'prototype'),
      fc.tuple(field, fc.constantFrom('$gt', '$ne', '$where', '$regex', '__proto__', 'constructor')).map(([f, op]) => `${f}[${op}]`),
    );
    const value = fc.constantFrom('', '1', 'sleep(1000) || true', 'this.status != null');
    await fc.assert(
      fc.asyncProperty(key, value, async (k, v) => {
        const qs = queryString([[k, v]]);
        // A body route gets the body it needs to reach the query check only for top-level keys (the
        // global middleware); a bracketed key is an unknown query field, named when the body is fine.
        const res = await send(route, null, qs);
        const parsed: Record<string, unknown> = { ...querystring.parse(qs) };
        const globalCheck = findDangerousKeys(parsed, 'query').length > 0;
        if (globalCheck || (!route.body && !takesImage(route))) {
          assertJsonError(res, qs);
          expect([res.status, res.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
          expect(JSON.stringify(res.body.error?.details)).toContain(k.replace(/^.*\[|\]$/g, ''));
        } else {
          assertJsonError(res, qs);
          expect(res.status).toBeGreaterThanOrEqual(400);
        }
      }),
      { numRuns: runs },
    );
  });

  if (isWrite) {
    it('changed no document with any of the refused requests above', async () => {
      expect(await databaseDigest()).toBe(before);
    });
  }
});
