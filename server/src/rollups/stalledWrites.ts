import { rollupWrites } from '../models/Rollup';

/**
 * For tests: rollup counter writes are taken but do not finish until `release()` — a stuck or very
 * slow database, as far as the counters go (reads still answer). `attempts()` says how many writes
 * were tried meanwhile.
 */
export function stallRollupWrites(): { release(): void; attempts(): number } {
  const original = rollupWrites.update;
  let attempts = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  rollupWrites.update = async (...args) => {
    attempts += 1;
    await gate;
    return original.apply(rollupWrites, args);
  };
  return {
    attempts: () => attempts,
    release: () => {
      rollupWrites.update = original;
      open();
    },
  };
}
