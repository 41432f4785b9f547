import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { ServiceUnavailableError } from '../lib/errors';
import { deleteOneGrouped, insertGrouped } from './groupCommit';

/**
 * FerretDB v1 applies an update by reading the matching document, changing it in Go and writing it
 * back by _id — a concurrent update in between is lost, so a guard in the filter is not atomic there
 * (measured: 20 racing `stock ≥ 1` decrements of 5 units succeeded 10 times). MongoDB applies the
 * same update atomically. On FerretDB, guarded writes therefore run under a lock: in-process queues
 * per key plus a lease document whose unique _id (atomic on every engine) excludes other instances.
 */
let serializeWrites = false;
const OWNER = crypto.randomBytes(8).toString('hex');
const LEASE_MS = 10_000;
const WAIT_MS = 10_000;

export async function detectEngineTraits(): Promise<{ ferretdb: boolean }> {
  const info = (await mongoose.connection.db!.admin().command({ buildInfo: 1 })) as { ferretdbVersion?: string };
  const ferretdb = typeof info.ferretdbVersion === 'string';
  serializeWrites = ferretdb || process.env.TULAR_FORCE_WRITE_LOCKS === '1';
  return { ferretdb };
}

export function writesAreSerialized(): boolean {
  return serializeWrites;
}

const queues = new Map<string, Promise<void>>();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}
const LOCKS = '_write_locks';
const locks = (): mongoose.mongo.Collection<LockDoc> => mongoose.connection.db!.collection<LockDoc>(LOCKS);

async function acquireLease(key: string): Promise<string> {
  const token = `${OWNER}:${crypto.randomBytes(4).toString('hex')}`;
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt += 1) {
    try {
      // Group commit: concurrent writers' leases (other keys) share one insert command.
      await insertGrouped(LOCKS, { _id: key, owner: token, expiresAt: new Date(Date.now() + LEASE_MS) });
      return token;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    // A crashed holder's lease runs out; take it over.
    await locks().deleteOne({ _id: key, expiresAt: { $lt: new Date() } });
    if (Date.now() > deadline) throw new ServiceUnavailableError('BUSY', 'The record is busy; please retry');
    await sleep(Math.min(50, 2 + attempt * 2) + Math.random() * 5);
  }
}

/** Runs `fn` after every earlier queued or locked call for `key` in this process. */
async function queued<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
  queues.set(key, mine);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (queues.get(key) === mine) queues.delete(key);
  }
}

/** Runs `fn` with exclusive access to `key` where the engine needs it; a plain call on MongoDB. */
export async function withWriteLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  if (!serializeWrites) return fn();
  return queued(key, async () => {
    const token = await acquireLease(key);
    try {
      return await fn();
    } finally {
      // A release that fails (a database hiccup) must not turn work that was done into an error:
      // the lease runs out on its own within LEASE_MS, and until then others wait as for a slow holder.
      await deleteOneGrouped(LOCKS, { _id: key, owner: token }).catch(() => undefined);
    }
  });
}

/**
 * Queues `fn` behind this process's other calls for `key` (locked ones included) where writes are
 * serialized, without the cross-instance lease: for writes a unique index already keeps exact (an
 * insert at the next ledger seat), where the queue only saves same-instance writers a collision.
 */
export function withLocalQueue<T>(key: string, fn: () => Promise<T>): Promise<T> {
  return serializeWrites ? queued(key, fn) : fn();
}
