import { RateLimitError } from '../../lib/errors';

/** The first call wins: `failed` counts, `succeeded` clears the account, `release` (an error) leaves it as it was. */
export interface LoginAttempt {
  failed(): void;
  succeeded(): void;
  release(): void;
}

/**
 * Failed sign-ins per account (email), whatever address they come from: the per-IP limit cannot
 * stop a guesser who rotates addresses, and must stay loose for carrier NAT. An attempt is counted
 * when it starts, so a burst of concurrent guesses cannot slip past the limit while scrypt runs;
 * a success clears the account's count. Per instance, in memory (like the other rate limits).
 */
export class LoginThrottle {
  private accounts = new Map<string, { start: number; failures: number; inflight: number }>();
  private lastSweep = 0;

  constructor(
    readonly maxFailures: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves an attempt for `email` or throws 429 with the seconds until its window ends. */
  begin(email: string): LoginAttempt {
    const now = this.now();
    if (now - this.lastSweep > this.windowMs) this.sweep(now);
    let entry = this.accounts.get(email);
    if (!entry || (now - entry.start >= this.windowMs && entry.inflight === 0)) {
      entry = { start: now, failures: 0, inflight: 0 };
      this.accounts.set(email, entry);
    }
    if (entry.failures + entry.inflight >= this.maxFailures) {
      const retryAfter = Math.max(1, Math.ceil((entry.start + this.windowMs - now) / 1000));
      throw new RateLimitError(retryAfter, `Too many failed sign-ins for this account; try again in ${retryAfter} s`, { scope: 'account' });
    }
    entry.inflight += 1;
    const held = entry;
    let settled = false;
    const settle = (outcome: 'failed' | 'succeeded' | 'released'): void => {
      if (settled) return;
      settled = true;
      held.inflight -= 1;
      if (outcome === 'failed') held.failures += 1;
      else if (outcome === 'succeeded' && this.accounts.get(email) === held) this.accounts.delete(email);
    };
    return { failed: () => settle('failed'), succeeded: () => settle('succeeded'), release: () => settle('released') };
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, e] of this.accounts) if (e.inflight === 0 && now - e.start >= this.windowMs) this.accounts.delete(key);
  }
}
