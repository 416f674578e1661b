/**
 * Freshness first. When an organization's budget is short, reading NEW executions (each
 * scenario's head, its error details, discovery, audit) comes before catch-up work: late-arrival
 * re-reads (sweeps) and re-checks of running executions. Catch-up is deferred, never starved: it
 * always has a share of a full window (`rateLimit.catchUpShare`, at least one request per window),
 * and it takes any permit that no head request is waiting for.
 *
 * Why: under a full budget every request a turn spends on catching up delays the next read of
 * every head by as much. Before this rule a Core organization (54 requests per 61 s) with sweeps
 * due every second spent about half its budget catching up and read each scenario's newest
 * executions only every 10–20 s.
 */
import type { RateBudget } from './rate-budget.js';
import type { Clock } from './timing.js';

/**
 * Whether catch-up may take a permit now: `spare` (no head request had to wait for a permit within
 * the last window, and a permit is free that nobody waits for), `share` (the budget is short but
 * catch-up's paced share has a request left: the caller gives it to the catch-up that waited
 * longest and then calls `take`), or `defer`.
 *
 * "Short" looks back a whole window on purpose: permits free in bursts (those taken together a
 * window ago), and heads are due again only after their pause; judged by "free now" alone, every
 * burst would go to catch-up and the heads would wait for the next window. The share is paced
 * (a token bucket: `share × limit` per window, at least one, at most `burstFraction` of it at
 * once) rather than counted in the window: catch-up that took many spare permits must not then
 * wait a whole window (seen: 57 s without a sweep in the acceptance).
 */
export type CatchUpVerdict = 'spare' | 'share' | 'defer';

/** The catch-up gate of one organization. */
export interface CatchUpGate {
  verdict(): CatchUpVerdict;
  /** Counts one catch-up request granted on a `share` verdict. */
  take(): void;
}

/** Options of {@link createCatchUpGate}. */
export interface CatchUpGateOptions {
  readonly budget: RateBudget;
  /** Catch-up's share (0–1) of a full budget. */
  readonly share: number;
  readonly windowMs: number;
  /** Share of catch-up's part it may take at once (like the budget's `burstFraction`). */
  readonly burstFraction: number;
  readonly clock: Clock;
}

/** A gate over `budget`. */
export function createCatchUpGate(options: CatchUpGateOptions): CatchUpGate {
  const { budget, clock } = options;
  const perWindow = (): number => Math.max(1, options.share * budget.limit());
  const capacity = (): number => Math.max(1, perWindow() * options.burstFraction);
  let tokens = capacity();
  let refilledAt = clock();
  return {
    verdict() {
      const now = clock();
      tokens = Math.min(capacity(), tokens + (Math.max(0, now - refilledAt) * perWindow()) / options.windowMs);
      refilledAt = now;
      const short = now - budget.lastWaitAt('head') < options.windowMs;
      if (!short && budget.used() + budget.waiting() < budget.limit()) return 'spare';
      return tokens >= 1 ? 'share' : 'defer';
    },
    take() {
      tokens -= 1;
    },
  };
}
