import mongoose from 'mongoose';
import { useTestDatabase } from '../../../test/harness';
import { IdempotencyRecordModel } from '../../models/IdempotencyRecord';
import { writesAreSerialized } from '../../db/writeLock';
import { runOnce, type StoredResponse } from './idempotentRequest';

useTestDatabase();

/** A piece of work the test finishes when it chooses. */
function gate(body: string): { work: () => Promise<StoredResponse>; started: Promise<void>; finish: () => void } {
  let finish!: () => void;
  let begin!: () => void;
  const started = new Promise<void>((r) => (begin = r));
  const done = new Promise<void>((r) => (finish = r));
  return {
    started,
    finish,
    work: async () => {
      begin();
      await done;
      return { status: 201, body: { answer: body } };
    },
  };
}

/** Makes the running copy look dead (its heartbeat 31 s old) so the next copy takes over. */
async function ageRecord(shopId: mongoose.Types.ObjectId, key: string): Promise<void> {
  await IdempotencyRecordModel.collection.updateOne({ shopId, key }, { $set: { updatedAt: new Date(Date.now() - 31_000) } });
}

describe('idempotent requests: storing the answer', () => {
  it('is a write by `_id` where writes are serialized (any other filter decodes every stored record on FerretDB)', async () => {
    const updates = jest.spyOn(IdempotencyRecordModel, 'updateOne');
    try {
      const shopId = new mongoose.Types.ObjectId();
      expect(await runOnce(shopId, 'by-id', 'h', async () => ({ status: 201, body: { answer: 'A' } }))).toMatchObject({ status: 201, replayed: false });
      expect(updates.mock.calls.map(([filter]) => Object.keys(filter ?? {}).join())).toEqual([writesAreSerialized() ? '_id' : '_id,state']);
      expect(await IdempotencyRecordModel.findOne({ shopId, key: 'by-id' }).lean()).toMatchObject({ state: 'done', status: 201, body: { answer: 'A' } });
    } finally {
      updates.mockRestore();
    }
  });
});

describe('idempotent requests: a takeover never changes the answer', () => {
  it('the slow first copy finishing first wins: the taking-over copy and every later one get its answer', async () => {
    const shopId = new mongoose.Types.ObjectId();
    const a = gate('A');
    const first = runOnce(shopId, 'k', 'h', a.work);
    await a.started;
    await ageRecord(shopId, 'k');
    const b = gate('B');
    const second = runOnce(shopId, 'k', 'h', b.work);
    await b.started; // both are running now
    a.finish();
    expect(await first).toMatchObject({ status: 201, body: { answer: 'A' }, replayed: false });
    b.finish();
    expect(await second).toMatchObject({ status: 201, body: { answer: 'A' }, replayed: true });
    expect(await runOnce(shopId, 'k', 'h', () => Promise.reject(new Error('must not run')))).toMatchObject({ body: { answer: 'A' }, replayed: true });
  });

  it('the taking-over copy finishing first wins just the same', async () => {
    const shopId = new mongoose.Types.ObjectId();
    const a = gate('A');
    const first = runOnce(shopId, 'k', 'h', a.work);
    await a.started;
    await ageRecord(shopId, 'k');
    const b = gate('B');
    const second = runOnce(shopId, 'k', 'h', b.work);
    await b.started;
    b.finish();
    expect(await second).toMatchObject({ body: { answer: 'B' }, replayed: false });
    a.finish();
    expect(await first).toMatchObject({ body: { answer: 'B' }, replayed: true });
    expect((await IdempotencyRecordModel.findOne({ shopId, key: 'k' }).lean())!.body).toEqual({ answer: 'B' });
  });

  it('a copy that crashes after being taken over does not free the key under the copy still running', async () => {
    const shopId = new mongoose.Types.ObjectId();
    let crash!: () => void;
    const crashed = new Promise<void>((r) => (crash = r));
    let startedA!: () => void;
    const aStarted = new Promise<void>((r) => (startedA = r));
    const first = runOnce(shopId, 'k', 'h', async () => {
      startedA();
      await crashed;
      throw new Error('boom');
    });
    await aStarted;
    await ageRecord(shopId, 'k');
    const b = gate('B');
    const second = runOnce(shopId, 'k', 'h', b.work);
    await b.started;
    crash();
    await expect(first).rejects.toThrow('boom');
    expect(await IdempotencyRecordModel.countDocuments({ shopId, key: 'k' })).toBe(1);
    b.finish();
    expect(await second).toMatchObject({ body: { answer: 'B' }, replayed: false });
  });
});
