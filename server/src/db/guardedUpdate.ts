import type { FilterQuery, UpdateQuery } from 'mongoose';
import type mongoose from 'mongoose';
import { writesAreSerialized } from './writeLock';

/** What is used of a model (structural, so models with and without a version key both fit). */
export interface ByIdWritable<D> {
  updateOne(filter: FilterQuery<D>, update: UpdateQuery<D>, options?: { upsert?: boolean }): PromiseLike<{ modifiedCount: number; upsertedCount: number }>;
  findById(id: mongoose.Types.ObjectId | string, projection: Record<string, 1>): { lean(): PromiseLike<unknown> };
}

export interface Guard<D> {
  /** The guard as a filter: on MongoDB it is part of the update's filter, so check and write are one atomic step. */
  filter: FilterQuery<D>;
  /** The same guard as a test of the document read by `_id` (FerretDB). */
  holds: (doc: D) => boolean;
  /** The fields `holds` reads. */
  fields: Record<string, 1>;
}

/**
 * Applies `update` to document `id` if it passes `guard`; answers whether it did, with the document
 * as it was read on FerretDB (null on MongoDB, where nothing is read).
 *
 * FerretDB v1's SQLite backend answers a filter from the `_id` index only when the filter is exactly
 * `{_id: value}` (backends/sqlite/collection.go: `Filter.Len() == 1`): `{_id, stock: {$gte: 2}}`
 * decodes every document of the collection. Its updates are read-modify-write anyway, so guarded
 * writes there already run under withWriteLock; under that lock the guard is tested on the document
 * read by `_id`, and the update is sent with `{_id}` alone — the same outcome, two index lookups.
 * Callers must hold the document's write lock. `known`: the document as the caller knows it for
 * certain — it made it under the lock it still holds, so nobody else can have changed it — tested
 * instead of reading it back.
 */
export async function updateByIdIf<D>(
  model: ByIdWritable<NoInfer<D>>,
  id: mongoose.Types.ObjectId | string,
  guard: Guard<D>,
  update: UpdateQuery<D>,
  options: { upsert?: boolean; known?: D } = {},
): Promise<{ updated: boolean; read: D | null }> {
  const { known, ...writeOptions } = options;
  const done = (res: { modifiedCount: number; upsertedCount: number }): boolean => res.modifiedCount === 1 || res.upsertedCount === 1;
  if (!writesAreSerialized()) {
    // With upsert, a document that exists but fails the guard makes MongoDB try an insert: E11000 for the caller.
    const res = await model.updateOne({ _id: id, ...guard.filter } as FilterQuery<D>, update, writeOptions);
    return { updated: done(res), read: null };
  }
  const read = known ?? ((await model.findById(id, guard.fields).lean()) as D | null);
  if (read ? !guard.holds(read) : !options.upsert) return { updated: false, read };
  const res = await model.updateOne({ _id: id } as FilterQuery<D>, update, writeOptions);
  return { updated: done(res), read };
}

/**
 * The filter for a guarded `findOneAndUpdate` whose caller holds the document's write lock and has
 * checked `guard` on the document it read under that lock: `{_id}` alone where writes are serialized
 * (FerretDB answers only a bare `_id` filter from an index — any other decodes the whole collection,
 * and the lock already keeps writers apart), the guard in the filter on MongoDB (no lock there).
 */
export function lockedFilter<D>(id: mongoose.Types.ObjectId | string, guard: FilterQuery<D>): FilterQuery<D> {
  return (writesAreSerialized() ? { _id: id } : { _id: id, ...guard }) as FilterQuery<D>;
}
