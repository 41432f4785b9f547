import crypto from 'node:crypto';
import type mongoose from 'mongoose';
import { IdempotencyRecordModel, type IdempotencyRecordFields } from '../../models/IdempotencyRecord';
import { AppError, ConflictError, isDuplicateKeyError } from '../../lib/errors';
import { withWriteLock } from '../../db/writeLock';
import { updateByIdIf } from '../../db/guardedUpdate';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A writer that has not finished in this long is presumed dead; another copy may take over. */
const TAKEOVER_AFTER_MS = 30_000;
const WAIT_MS = 15_000;

/**
 * Runs `work` once per (shop, key): the unique index picks one writer; every other copy — at the
 * same moment or days later — waits for and receives the first answer. Client errors (4xx) are part
 * of the answer; a crash or 5xx frees the key so a retry can try again. A writer presumed dead is
 * taken over; if it was only slow, both finish, and the stored answer is whichever finished first
 * (a guarded update on the record's state) — both callers, and every later copy, get that one.
 */
export async function runOnce(
  shopId: mongoose.Types.ObjectId,
  key: string,
  requestHash: string,
  work: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  // Names this copy as the record's runner: only the current runner may free the key on a crash.
  const runner = crypto.randomBytes(9).toString('base64url');
  let recordId: mongoose.Types.ObjectId | null = null;
  try {
    const created = await IdempotencyRecordModel.create({ shopId, key, requestHash, state: 'in_progress', runner });
    recordId = created._id;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }

  const deadline = Date.now() + WAIT_MS;
  while (!recordId) {
    const record = await IdempotencyRecordModel.findOne({ shopId, key });
    if (!record) {
      // The first writer failed and freed the key: race for it again.
      try {
        recordId = (await IdempotencyRecordModel.create({ shopId, key, requestHash, state: 'in_progress', runner }))._id;
        break;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        continue;
      }
    }
    if (record.requestHash !== requestHash) {
      throw new ConflictError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different body');
    }
    if (record.state === 'done') return { status: record.status ?? 200, body: record.body, replayed: true };
    if (Date.now() - (record.updatedAt ?? new Date()).getTime() > TAKEOVER_AFTER_MS) {
      const taken = await withWriteLock(`idem:${String(record._id)}`, () =>
        IdempotencyRecordModel.updateOne({ _id: record._id, state: 'in_progress', updatedAt: record.updatedAt }, { $set: { updatedAt: new Date(), runner } }),
      );
      if (taken.modifiedCount === 1) {
        recordId = record._id;
        break;
      }
    }
    if (Date.now() > deadline) throw new ConflictError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly');
    await sleep(20 + Math.random() * 20);
  }

  const id = recordId;
  let response: StoredResponse;
  try {
    response = await work();
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      response = { status: err.status, body: { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } } };
    } else {
      // Only while still ours and unanswered: a copy that took over (or already answered) keeps the key.
      await withWriteLock(`idem:${String(id)}`, () => IdempotencyRecordModel.deleteOne({ _id: id, state: 'in_progress', runner })).catch(() => undefined);
      throw err;
    }
  }
  // By `_id` (updateByIdIf): on FerretDB a filter on `state` too decoded every record ever stored, once per request.
  const stored = await withWriteLock(`idem:${String(id)}`, () =>
    updateByIdIf<IdempotencyRecordFields>(
      IdempotencyRecordModel,
      id,
      { filter: { state: 'in_progress' }, holds: (r) => r.state === 'in_progress', fields: { state: 1 } },
      { $set: { state: 'done', status: response.status, body: response.body } },
    ),
  );
  if (stored.updated) return { ...response, replayed: false };
  // Another copy answered first: that answer is the one for this key.
  const first = await IdempotencyRecordModel.findById(id);
  if (first?.state === 'done') return { status: first.status ?? 200, body: first.body, replayed: true };
  return { ...response, replayed: false };
}
