import mongoose from 'mongoose';
import { detectEngineTraits } from './writeLock';

// Never queue queries while disconnected: a request must fail fast (503), not hang.
mongoose.set('bufferCommands', false);
mongoose.set('strictQuery', true);
// Collections and indexes are created once we are connected (connectDatabase), not at model definition.
mongoose.set('autoCreate', false);
mongoose.set('autoIndex', false);
// Mongoose otherwise captures `new Error().stack` on every query (for a "query was already executed"
// report), source-mapped under tsx: measured 4% of the server's CPU on the checkout path.
mongoose.set('skipOriginalStackTraces', true);

export async function connectDatabase(uri: string): Promise<typeof mongoose> {
  await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 5000,
    // How soon a dead (or recovered) server is noticed when no operation touches it: mongoose turns
    // the driver's verdict into readyState, which `failFastWhenDatabaseDown` answers 503 from at once.
    heartbeatFrequencyMS: 1000,
    maxPoolSize: 20,
  });
  await detectEngineTraits();
  await ensureIndexes();
  return mongoose;
}

/** Creates every registered model's collection and indexes (idempotent; unique indexes are the exactly-once guards). */
export async function ensureIndexes(): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    await model.createCollection().catch((err: { codeName?: string; code?: number }) => {
      if (err.code !== 48 && err.codeName !== 'NamespaceExists') throw err;
    });
    await model.createIndexes();
  }
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}

export function isDatabaseReady(): boolean {
  return mongoose.connection.readyState === 1;
}

export async function pingDatabase(timeoutMs = 1000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  try {
    await Promise.race([
      db.command({ ping: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs)),
    ]);
    return true;
  } catch {
    return false;
  }
}
