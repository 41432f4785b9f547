import mongoose from 'mongoose';
import { useTestDatabase } from '../../test/harness';
import { isDuplicateKeyError } from '../lib/errors';
import { LedgerEntryModel } from '../models/LedgerEntry';
import { deleteOneGrouped, insertGrouped, insertNew } from './groupCommit';

useTestDatabase();
afterEach(() => jest.restoreAllMocks());

const coll = (): mongoose.mongo.Collection<{ _id: string; n?: number }> => mongoose.connection.db!.collection('group_commit_test');

/** Counts the write commands the database receives for `collection`. */
function countCommands(collection: string): { insert: number; delete: number } {
  const counts = { insert: 0, delete: 0 };
  const db = mongoose.connection.db!;
  const command = db.command.bind(db);
  jest.spyOn(db, 'command').mockImplementation((cmd, options) => {
    if (cmd.insert === collection) counts.insert += 1;
    if (cmd.delete === collection) counts.delete += 1;
    return command(cmd, options);
  });
  return counts;
}

describe('group commit', () => {
  it('concurrent inserts share commands, and a duplicate key fails only its own caller', async () => {
    await coll().insertOne({ _id: 'taken' });
    const counts = countCommands('group_commit_test');
    const ids = Array.from({ length: 40 }, (_, i) => (i === 17 ? 'taken' : `doc-${i}`));
    const outcomes = await Promise.allSettled(ids.map((_id, n) => insertGrouped('group_commit_test', { _id, n })));
    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ i, dup: isDuplicateKeyError(o.reason) }] : []));
    expect(refused).toEqual([{ i: 17, dup: true }]);
    expect(await coll().countDocuments()).toBe(40);
    expect(await coll().findOne({ _id: 'doc-39' })).toEqual({ _id: 'doc-39', n: 39 });
    // The first goes alone; the rest wait for it and go together (at most 32 to a command).
    expect(counts.insert).toBeGreaterThanOrEqual(2);
    expect(counts.insert).toBeLessThanOrEqual(4);

    await Promise.all(ids.map((_id) => deleteOneGrouped('group_commit_test', { _id })));
    expect(await coll().countDocuments()).toBe(0);
    expect(counts.delete).toBeLessThanOrEqual(4);
  });

  it('a command that fails rejects the statements it carried; the next ones go through', async () => {
    const db = mongoose.connection.db!;
    const command = db.command.bind(db);
    let failures = 1;
    jest.spyOn(db, 'command').mockImplementation((cmd, options) => {
      if (cmd.insert === 'group_commit_fail' && failures-- > 0) return Promise.reject(new Error('connection reset'));
      return command(cmd, options);
    });
    const first = insertGrouped('group_commit_fail', { _id: 'a' });
    const queued = [insertGrouped('group_commit_fail', { _id: 'b' }), insertGrouped('group_commit_fail', { _id: 'c' })];
    await expect(first).rejects.toThrow('connection reset');
    await Promise.all(queued);
    expect((await db.collection('group_commit_fail').find().toArray()).map((d) => d._id).sort()).toEqual(['b', 'c']);
  });

  it('stores a Mongoose document as save() would: defaults, timestamps, version key; invalid ones are refused before sending', async () => {
    const shopId = new mongoose.Types.ObjectId();
    const resellerId = new mongoose.Types.ObjectId();
    const entry = await insertNew(new LedgerEntryModel({ resellerId, shopId, kind: 'accrue', amount: 500, deltas: { pending: 500 }, idempotencyKey: `gc-${String(shopId)}`, seq: 1 }));
    expect(entry.isNew).toBe(false);
    expect(entry.isModified()).toBe(false);
    const stored = await LedgerEntryModel.collection.findOne({ _id: entry._id });
    const saved = await new LedgerEntryModel({ resellerId, shopId, kind: 'accrue', amount: 500, deltas: { pending: 500 }, idempotencyKey: `gc2-${String(shopId)}`, seq: 2 }).save();
    const reference = await LedgerEntryModel.collection.findOne({ _id: saved._id });
    // Same fields, same types, as the document Mongoose itself saved.
    const shape = (d: Record<string, unknown> | null): Record<string, string> => Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, v instanceof Date ? 'date' : typeof v]));
    expect(shape(stored)).toEqual(shape(reference));
    expect(stored!.createdAt).toBeInstanceOf(Date);

    await expect(insertNew(new LedgerEntryModel({ resellerId, shopId, kind: 'nonsense', amount: 1, idempotencyKey: 'x', seq: 3 }))).rejects.toThrow(mongoose.Error.ValidationError);
  });
});
