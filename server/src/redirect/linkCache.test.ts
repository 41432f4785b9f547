import { buildTestApp, useTestDatabase } from '../../test/harness';
import { buildOwner, buildProduct, buildReseller, buildShop, joinShop } from '../../test/factories';
import { EventBus } from '../events/bus';
import { createLogger } from '../lib/logger';
import { LinkModel } from '../models/Link';
import { LinkCache } from './linkCache';

useTestDatabase();
const app = buildTestApp({ publicUrl: 'https://tular.test' });
afterAll(() => app.redirect.close());

async function seedCode(): Promise<string> {
  const owner = await buildOwner(app);
  const shop = await buildShop(app, owner);
  const product = await buildProduct(app, owner, shop.id);
  const reseller = await buildReseller(app);
  await joinShop(app, reseller, shop.id, owner);
  const res = await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id }).expect(201);
  return (res.body.data as { code: string }).code;
}

/** Made-up codes of the valid shape (8 characters of the link alphabet), none of them stored. */
const unknownCodes = (n: number, salt: string): string[] => Array.from({ length: n }, (_, i) => `zz${salt}${String(i).padStart(5, '0')}`.slice(0, 8));

describe('LinkCache under a flood of unknown codes', () => {
  it('keeps real links cached, never bulk-reloads, and asks the database once per unknown code', async () => {
    const real = await seedCode();
    const bus = new EventBus();
    // A tiny LRU makes eviction visible: before the fix "not found" answers shared it with real links.
    const cache = new LinkCache({ publicUrl: 'https://tular.test', logger: createLogger('silent'), bus, maxEntries: 5, negativeTtlMs: 60_000 });
    const find = jest.spyOn(LinkModel, 'find');
    const findOne = jest.spyOn(LinkModel, 'findOne');
    try {
      expect(await cache.get(real)).toMatchObject({ code: real });
      findOne.mockClear();

      // Well past the miss-storm threshold (50 a second), all at once as an attacker would.
      const flood = unknownCodes(300, 'a');
      expect(new Set(flood).size).toBe(300);
      const answers = await Promise.all(flood.map((code) => cache.get(code)));
      expect(answers.every((a) => a === null)).toBe(true);
      expect(findOne).toHaveBeenCalledTimes(300);
      // No bulk scan of the links collection (up to 100k documents) was started.
      expect(find).not.toHaveBeenCalled();
      expect(cache.stats.bulkWarms).toBe(0);

      // The real link still answers from memory.
      expect(cache.peek(real)).toMatchObject({ code: real });
      // The same codes again cost nothing: remembered as "not found" apart from the LRU.
      findOne.mockClear();
      await Promise.all(flood.map((code) => cache.get(code)));
      expect(findOne).not.toHaveBeenCalled();
      expect(cache.size).toBe(1);
    } finally {
      find.mockRestore();
      findOne.mockRestore();
      await cache.close();
    }
  });

  it('bounds the "not found" memory, and a link event lifts a "not found" answer at once', async () => {
    const cache = new LinkCache({ publicUrl: 'https://tular.test', logger: createLogger('silent'), bus: app.deps.bus, maxNegative: 50 });
    try {
      const codes = unknownCodes(200, 'b');
      await Promise.all(codes.map((code) => cache.get(code)));
      // Dropped from the bounded map (oldest first), so it is looked up again rather than kept forever.
      expect(cache.peek(codes[0]!)).toBeUndefined();
      expect(cache.peek(codes[199]!)).toBeNull();

      const owner = await buildOwner(app);
      const shop = await buildShop(app, owner);
      const product = await buildProduct(app, owner, shop.id);
      const reseller = await buildReseller(app);
      await joinShop(app, reseller, shop.id, owner);
      const link = (await app.http.post('/api/v1/links').set(reseller.auth).send({ productId: product.id }).expect(201)).body.data as { id: string; code: string };
      await app.http.patch(`/api/v1/links/${link.id}`).set(owner.auth).send({ active: false }).expect(200);
      expect(await cache.get(link.code)).toBeNull();
      expect(cache.peek(link.code)).toBeNull();
      await app.http.patch(`/api/v1/links/${link.id}`).set(owner.auth).send({ active: true }).expect(200);
      expect(await cache.get(link.code)).toMatchObject({ code: link.code });
    } finally {
      await cache.close();
    }
  });

  it('still warms in bulk on a storm of misses on real links (a cold cache after a deploy)', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 4; i += 1) codes.push(await seedCode());
    // One entry: every lookup of the four real codes is a miss again, as in an LRU under pressure.
    const cache = new LinkCache({ publicUrl: 'https://tular.test', logger: createLogger('silent'), bus: new EventBus(), maxEntries: 1 });
    try {
      for (let round = 0; round < 30 && cache.stats.bulkWarms === 0; round += 1) await Promise.all(codes.map((code) => cache.get(code)));
      expect(cache.stats.bulkWarms).toBe(1);
    } finally {
      await cache.close();
    }
  });

  it('links that expire together are reloaded a couple at a time, each answering meanwhile', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 6; i += 1) codes.push(await seedCode());
    const cache = new LinkCache({ publicUrl: 'https://tular.test', logger: createLogger('silent'), bus: new EventBus(), ttlMs: 60 });
    const internals = cache as unknown as { resolve(code: string): Promise<unknown> };
    const resolve = internals.resolve.bind(cache);
    let inFlight = 0;
    let most = 0;
    const spy = jest.spyOn(internals, 'resolve').mockImplementation(async (code: string) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await resolve(code);
      } finally {
        inFlight -= 1;
      }
    });
    try {
      await Promise.all(codes.map((code) => cache.get(code)));
      most = 0;
      await new Promise((r) => setTimeout(r, 80));
      // All six are past their TTL: each is still served from memory at once.
      expect(codes.map((code) => cache.peek(code)?.code)).toEqual(codes);
      for (let i = 0; i < 100 && cache.stats.refreshes < codes.length; i += 1) await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 100 && inFlight > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(cache.stats.refreshes).toBe(codes.length);
      expect(most).toBe(2);
    } finally {
      spy.mockRestore();
      await cache.close();
    }
  });

  it('visits during the start-up warm-up wait for it instead of each looking its link up', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 3; i += 1) codes.push(await seedCode());
    const cache = new LinkCache({ publicUrl: 'https://tular.test', logger: createLogger('silent'), bus: new EventBus() });
    const findOne = jest.spyOn(LinkModel, 'findOne');
    try {
      const warming = cache.warm();
      // A second warm-up asked for meanwhile is the same one.
      expect(cache.warm()).toBe(warming);
      // Arriving while it runs (a restart under traffic): answered from the bulk load.
      const answers = await Promise.all(codes.map((code) => cache.get(code)));
      expect(answers.map((a) => a?.code)).toEqual(codes);
      expect(findOne).not.toHaveBeenCalled();
      expect(await warming).toBeGreaterThanOrEqual(3);
    } finally {
      findOne.mockRestore();
      await cache.close();
    }
  });
});
