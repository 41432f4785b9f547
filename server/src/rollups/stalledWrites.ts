import { rollupCollection } from '../models/Rollup';

/**
 * For tests: rollup counter writes are taken but do not finish until `release()` — a stuck or very
 * slow database, as far as the counters go (reads still answer). `attempts()` says how many writes
 * were tried meanwhile.
 */
export function stallRollupWrites(): { release(): void; attempts(): number } {
  const collection = rollupCollection();
  const original = collection.bulkWrite;
  let attempts = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  collection.bulkWrite = (async (...args: Parameters<typeof original>) => {
    attempts += 1;
    await gate;
    return original.apply(collection, args);
  }) as typeof original;
  return {
    attempts: () => attempts,
    release: () => {
      // The stand-in is an own property over the prototype's method: removing it restores the original.
      delete (collection as { bulkWrite?: unknown }).bulkWrite;
      if (collection.bulkWrite !== original) collection.bulkWrite = original;
      open();
    },
  };
}
