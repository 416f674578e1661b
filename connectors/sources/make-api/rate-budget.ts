/**
 * One request budget per Make organization: at most `limit` requests in any window of `windowMs`
 * (a sliding log of send times, so no 60-s window at Make's side can see more, whether Make counts
 * in fixed or sliding minutes). Every request of the organization (discovery, logs, details,
 * audit) takes a permit here before it is sent, retries included; a 429 pauses the whole
 * organization, since its limit is shared.
 */
import type { Clock, Sleep } from './timing.js';

/** A per-organization request budget. */
export interface RateBudget {
  /** Waits for a permit (rejects when `signal` aborts). The request counts from this moment. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Changes the limit (requests per window) and the start-up limit, e.g. once `license.apiLimit` is known. */
  setLimit(limit: number, startupLimit?: number): void;
  /** Holds every permit until `ms` from now (after a 429). Longer pauses win over shorter ones. */
  pause(ms: number): void;
  /** Requests counted in the current window. */
  used(): number;
  /** The current limit per window. */
  limit(): number;
}

/** Options of {@link createRateBudget}. */
export interface RateBudgetOptions {
  /** Requests per window (≥ 1). */
  readonly limit: number;
  /**
   * Limit during the first window after creation (default: `limit`). A process that restarts
   * after a crash cannot know what its predecessor sent in the last window; allowing only the
   * headroom between Make's limit and the budget keeps the sum within Make's limit.
   */
  readonly startupLimit?: number;
  /** Window length (ms). */
  readonly windowMs: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
}

/** A sliding-window budget. */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  let limit = Math.max(1, Math.floor(options.limit));
  let startupLimit = Math.max(1, Math.floor(options.startupLimit ?? options.limit));
  const startupEnds = options.clock() + options.windowMs;
  const current = (now: number): number => (now < startupEnds ? Math.min(limit, startupLimit) : limit);
  let pausedUntil = 0;
  // Send times of the requests in the window, oldest first.
  const sent: number[] = [];
  let head = 0;

  function prune(now: number): void {
    while (head < sent.length && (sent[head] as number) <= now - options.windowMs) head++;
    if (head > 1024 && head * 2 > sent.length) {
      sent.splice(0, head);
      head = 0;
    }
  }

  return {
    async acquire(signal) {
      for (;;) {
        signal?.throwIfAborted();
        const now = options.clock();
        prune(now);
        const inWindow = sent.length - head;
        const allowed = current(now);
        if (now >= pausedUntil && inWindow < allowed) {
          sent.push(now);
          return;
        }
        // The permit frees when the oldest request that keeps the window full leaves it.
        const oldestBlocking = sent[head + inWindow - allowed];
        let freeAt = inWindow < allowed ? now : (oldestBlocking ?? now) + options.windowMs;
        if (now < startupEnds) freeAt = Math.min(freeAt, startupEnds);
        await options.sleep(Math.max(1, Math.max(pausedUntil, freeAt) - now), signal);
      }
    },
    setLimit(next, nextStartup) {
      limit = Math.max(1, Math.floor(next));
      if (nextStartup !== undefined) startupLimit = Math.max(1, Math.floor(nextStartup));
      else if (options.startupLimit === undefined) startupLimit = limit;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, options.clock() + ms);
    },
    used() {
      prune(options.clock());
      return sent.length - head;
    },
    limit: () => current(options.clock()),
  };
}
