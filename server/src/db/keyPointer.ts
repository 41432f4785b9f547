import { mongo, type default as mongoose } from 'mongoose';
import { KeyPointerModel } from '../models/KeyPointer';
import { isDuplicateKeyError } from '../lib/errors';

type Id = mongoose.Types.ObjectId;
type PointerDoc = { _id: string; target: Id };
const pointers = (): mongo.Collection<PointerDoc> => KeyPointerModel.db.db!.collection<PointerDoc>(KeyPointerModel.collection.collectionName);

export interface KeyPointerOptions<T extends { _id: Id }> {
  /** Namespace of the keys (`link-code`, `membership`): the pointer documents' `_id` prefix. */
  kind: string;
  /** The target by `_id`: the authoritative read, so mutable fields (active, status) are always current. */
  byId(id: Id): Promise<T | null>;
  /** Whether the target still carries `key`; a pointer or memo that fails this is not trusted. */
  carries(target: T, key: string): boolean;
  /** The filter query the pointer replaces — a full collection scan on FerretDB, run only on a miss. */
  scan(key: string): Promise<T | null>;
  /** Bound of the in-process key → id memo (least recently used dropped first). */
  memoSize?: number;
}

/**
 * Finds a document by an immutable natural key with `_id` reads only: an in-process LRU of
 * key → id, else the pointer document (`_id` = `<kind>:<key>`, written when the target is created),
 * and only when both miss or point wrong (a target made before pointers existed, a creator that
 * crashed between its two writes) the old filter query, whose answer is written as the pointer.
 * The target itself is always read by `_id`, so nothing mutable is ever cached.
 */
export class KeyPointer<T extends { _id: Id }> {
  private readonly memo = new Map<string, Id>();
  private readonly memoSize: number;

  constructor(private readonly opts: KeyPointerOptions<T>) {
    this.memoSize = opts.memoSize ?? 50_000;
  }

  async find(key: string): Promise<T | null> {
    const memoized = this.memo.get(key);
    if (memoized) {
      const target = await this.read(key, memoized);
      if (target) return target;
    }
    const pointer = await KeyPointerModel.findById(this.pointerId(key), { target: 1 }).lean();
    if (pointer && !(memoized && pointer.target.equals(memoized))) {
      const target = await this.read(key, pointer.target);
      if (target) return target;
    }
    const found = await this.opts.scan(key);
    if (found) await this.point(key, found._id);
    return found;
  }

  /** Records key → id: by the creator right after inserting the target, and by a lookup that had to scan. */
  async point(key: string, id: Id): Promise<void> {
    this.remember(key, id);
    try {
      await KeyPointerModel.updateOne({ _id: this.pointerId(key) }, { $set: { target: id } }, { upsert: true });
    } catch (err) {
      // Two first writers upserted at once: the other one's pointer names the same target.
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /**
   * Writes the pointers of targets stored before pointers existed (bulk inserts; a pointer already
   * there is kept — a wrong one is repaired by the next lookup). Returns how many were written.
   */
  async backfill(targets: AsyncIterable<{ key: string; id: Id }>, batch = 1000): Promise<number> {
    let written = 0;
    let docs: PointerDoc[] = [];
    const flush = async (): Promise<void> => {
      if (docs.length === 0) return;
      const chunk = docs;
      docs = [];
      try {
        written += (await pointers().insertMany(chunk, { ordered: false })).insertedCount;
      } catch (err) {
        if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
        const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
        if (!errors.every((w) => w.code === 11000)) throw err;
        written += err.insertedCount;
      }
    };
    for await (const t of targets) {
      docs.push({ _id: this.pointerId(t.key), target: t.id });
      if (docs.length >= batch) await flush();
    }
    await flush();
    return written;
  }

  /** Forgets every memoized id (tests: a fresh instance's view). */
  clearMemo(): void {
    this.memo.clear();
  }

  private async read(key: string, id: Id): Promise<T | null> {
    const target = await this.opts.byId(id);
    if (target && this.opts.carries(target, key)) {
      this.remember(key, id);
      return target;
    }
    this.memo.delete(key);
    return null;
  }

  private remember(key: string, id: Id): void {
    this.memo.delete(key);
    this.memo.set(key, id);
    if (this.memo.size > this.memoSize) this.memo.delete(this.memo.keys().next().value as string);
  }

  private pointerId(key: string): string {
    return `${this.opts.kind}:${key}`;
  }
}
