import crypto from 'node:crypto';
import fc from 'fast-check';
import mongoose from 'mongoose';
import type { ZodType } from 'zod';
import { buildTestApp, useTestDatabase } from '../../test/harness';
import { buildFixture, fillPath, type Fixture } from './fixtures';

/**
 * Property-based fuzzing of every JSON route with a body schema: malformed JSON, oversized bodies,
 * wrong types, Mongo operators and prototype-pollution keys. Never a 5xx; every error is JSON with a
 * code; an injected payload is a 400 naming the key and changes no document anywhere.
 */
useTestDatabase();
const app = buildTestApp();
let fixture: Fixture;

const bodyRoutes = app.api.routes.filter((r) => r.body);
const runs = Number(process.env.FUZZ_RUNS ?? 15);

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

function keysOf(schema: ZodType | undefined): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> }; schema?: { shape?: Record<string, unknown> } } })
    ?.shape;
  if (shape) return Object.keys(shape);
  const def = (schema as unknown as { def?: { in?: { shape?: Record<string, unknown> }; schema?: { shape?: Record<string, unknown> } } })?.def;
  return Object.keys(def?.in?.shape ?? def?.schema?.shape ?? {});
}

/** A digest of every document in every collection: the injected cases must leave it as it was. */
async function databaseDigest(): Promise<string> {
  const db = mongoose.connection.db!;
  const names = (await db.listCollections().toArray()).map((c) => c.name).filter((n) => n !== '_write_locks').sort();
  const hash = crypto.createHash('sha256');
  for (const name of names) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    hash.update(`${name}:${docs.length}:${JSON.stringify(docs)}`);
  }
  return hash.digest('hex');
}

async function send(route: (typeof bodyRoutes)[number], raw: string): Promise<{ status: number; body: { error?: { code?: unknown; details?: unknown } }; type: string }> {
  const url = `/api/v1${fillPath(route.path, paramsFor(fixture))}`;
  const res = await app.http[route.method](url).set(authFor(route.access)).set('Content-Type', 'application/json').send(raw);
  return { status: res.status, body: res.body, type: res.type };
}

function assertJsonError(res: { status: number; body: { error?: { code?: unknown } }; type: string }, label: string): void {
  if (res.status >= 500) throw new Error(`${label}: answered ${res.status} ${JSON.stringify(res.body)}`);
  if (res.status >= 400) {
    if (res.type !== 'application/json' || typeof res.body?.error?.code !== 'string') throw new Error(`${label}: ${res.status} without a JSON error code`);
  }
}

beforeAll(async () => {
  fixture = await buildFixture(app);
}, 60_000);

describe.each(bodyRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('fuzz %s', (_label, route) => {
  const keys = keysOf(route.body);

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
    const res = await send(route, JSON.stringify({ [keys[0] ?? 'name']: 'x'.repeat(200_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('never answers wrong types or shapes with a 5xx, always a JSON error code', async () => {
    const wrongValue = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 300 }), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
    const wronglyTyped = keys.length
      ? fc.dictionary(fc.constantFrom(...keys), wrongValue, { minKeys: 1 })
      : fc.dictionary(fc.string({ maxLength: 10 }), wrongValue);
    await fc.assert(
      fc.asyncProperty(fc.oneof(wronglyTyped, fc.jsonValue({ maxDepth: 3 })), async (payload) => {
        const res = await send(route, JSON.stringify(payload));
        assertJsonError(res, JSON.stringify(payload).slice(0, 200));
      }),
      { numRuns: runs },
    );
  });

  it('rejects operator and prototype keys anywhere with a 400 naming the key, changing nothing', async () => {
    // Counters from the fixture's order are written behind the request: let them land first.
    await app.deps.rollups.flush();
    const before = await databaseDigest();
    const dangerous = fc.constantFrom('$gt', '$ne', '$where', '$regex', '$expr', '__proto__', 'constructor', 'prototype');
    const innocent = fc.oneof(fc.constant(''), fc.constant('sleep(1000) || true'), fc.constant({ admin: true }), fc.integer());
    await fc.assert(
      fc.asyncProperty(dangerous, innocent, fc.constantFrom(...(keys.length ? keys : ['name'])), fc.boolean(), async (bad, value, field, nested) => {
        // Raw JSON text: an object literal would turn "__proto__" into a prototype, not a key.
        const inner = `{${JSON.stringify(bad)}:${JSON.stringify(value)}}`;
        const raw = nested ? `{${JSON.stringify(field)}:${inner}}` : inner;
        const res = await send(route, raw);
        expect(res.status).toBe(400);
        expect(res.body.error?.code).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(res.body.error?.details)).toContain(bad);
      }),
      { numRuns: runs },
    );
    await app.deps.rollups.flush();
    expect(await databaseDigest()).toBe(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
