import { LedgerTipModel } from '../../models/LedgerTip';

/** How long a raised hint waits for others to share its command. */
const DELAY_MS = 100;
/** At most 32 statements per update command: FerretDB hangs on large ones. */
const CHUNK = 32;

/**
 * Tip hints (LedgerTip) written behind the ledger: an append raises its account's hint here and the
 * hints raised within DELAY_MS go out together, one `$max` upsert per account in one command, instead
 * of an update command after every entry (on FerretDB an update costs 1.2–1.6 inserts, measured). A hint is
 * only ever raised to a seat that is stored, so a late or lost one is what the writer already allows
 * for: the next writer of that account on another instance (or after a crash) inserts at a taken
 * seat and reads the true tip. `$max` never lowers a hint, and even a lost update (FerretDB rewrites
 * the document) leaves an existing seat ≤ the tip, so the hints need no lock. Flushed at shutdown.
 */
class TipHints {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  raise(tipId: string, seq: number): void {
    this.pending.set(tipId, Math.max(this.pending.get(tipId) ?? 0, seq));
    this.timer ??= setTimeout(() => void this.flush(), DELAY_MS).unref();
  }

  /** Sends every raised hint now; resolves when they (and any earlier flush) are written or given up. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending];
    this.pending.clear();
    const previous = this.inFlight;
    this.inFlight = (async () => {
      await previous;
      for (let i = 0; i < batch.length; i += CHUNK) {
        const ops = batch.slice(i, i + CHUNK).map(([_id, seq]) => ({ updateOne: { filter: { _id }, update: { $max: { seq } }, upsert: true } }));
        // Failures are ignored (two first upserts at once, a database hiccup): a stale hint only costs a read.
        await LedgerTipModel.bulkWrite(ops, { ordered: false }).catch(() => undefined);
      }
    })();
    return this.inFlight;
  }
}

const hints = new TipHints();

export function raiseTipHint(tipId: string, seq: number): void {
  hints.raise(tipId, seq);
}

/** Writes the hints raised so far (shutdown; tests that read LedgerTip). */
export function flushTipHints(): Promise<void> {
  return hints.flush();
}
