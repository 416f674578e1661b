/**
 * One request budget per Make organization: at most `limit` requests in any window of `windowMs`
 * (a sliding log of send times, so no 60-s window at Make's side can see more, whether Make counts
 * in fixed or sliding minutes). Every request of the organization (discovery, logs, details,
 * audit) takes a permit here before it is sent, retries included; a 429 pauses the whole
 * organization, since its limit is shared.
 *
 * Each permit is counted in a lane (`head`: new executions, discovery, audit; `catch-up`:
 * late-arrival re-reads and running re-checks) so that the organization's scheduler can see how
 * much of a full window catch-up took and how many requests wait (`catchUpAllowed`).
 */
import type { Clock, Sleep } from './timing.js';

/**
 * What a request is for: `head` reads what is new (the scenario tails, their error details,
 * discovery, audit); `catch-up` re-reads what may have changed behind the cursor (late-arrival
 * sweeps, running re-checks) and may be deferred when the budget is short.
 */
export type RequestLane = 'head' | 'catch-up';

/** A per-organization request budget. */
export interface RateBudget {
  /**
   * Waits for a permit (rejects when `signal` aborts). The request counts from this moment, in
   * `lane` (default `head`).
   */
  acquire(signal?: AbortSignal, lane?: RequestLane): Promise<void>;
  /** Changes the limit (requests per window) and the start-up limit, e.g. once `license.apiLimit` is known. */
  setLimit(limit: number, startupLimit?: number): void;
  /** Holds every permit until `ms` from now (after a 429). Longer pauses win over shorter ones. */
  pause(ms: number): void;
  /** Requests counted in the current window (of `lane` only, when given). */
  used(lane?: RequestLane): number;
  /** Acquires waiting for a permit now (of `lane` only, when given). */
  waiting(lane?: RequestLane): number;
  /** When a request of `lane` last got a permit after waiting for it (epoch ms; -Infinity: never). */
  lastWaitAt(lane: RequestLane): number;
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
  /**
   * Pacing: at most this share of `limit` at once, the rest at `limit` per window (a token
   * bucket on top of the window; default 1, no pacing). Without it a budget wanted beyond its
   * limit runs in bursts: the permits taken together free together a window later, all are taken
   * at once again, and nothing is read for the rest of the window.
   */
  readonly burstFraction?: number;
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
  // Send times of the requests in the window, oldest first, and their lanes.
  const sent: number[] = [];
  const lanes: RequestLane[] = [];
  let head = 0;
  const waiters: Record<RequestLane, number> = { head: 0, 'catch-up': 0 };
  // 1 (the default) turns pacing off: the window alone decides.
  const burstFraction = options.burstFraction ?? 1;
  const paced = burstFraction < 1;
  const capacity = (): number => Math.max(1, burstFraction * limit);
  let tokens = capacity();
  let refilledAt = options.clock();
  // Tokens of the pacing bucket now (refilled at `limit` per window). While requests wait (the
  // window is full), the bucket holds at most one token: one saved up then would be a burst when the
  // window frees, and the window's permits would come in bursts and stalls again.
  const refill = (now: number): void => {
    const ceiling = waiters.head + waiters['catch-up'] > 0 ? 1 : capacity();
    tokens = Math.min(ceiling, tokens + (Math.max(0, now - refilledAt) * limit) / options.windowMs);
    refilledAt = now;
  };
  const lastWait: Record<RequestLane, number> = {
    head: Number.NEGATIVE_INFINITY,
    'catch-up': Number.NEGATIVE_INFINITY,
  };

  function prune(now: number): void {
    while (head < sent.length && (sent[head] as number) <= now - options.windowMs) head++;
    if (head > 1024 && head * 2 > sent.length) {
      sent.splice(0, head);
      lanes.splice(0, head);
      head = 0;
    }
  }

  return {
    async acquire(signal, lane = 'head') {
      let waited = false;
      try {
        for (;;) {
          signal?.throwIfAborted();
          const now = options.clock();
          prune(now);
          const inWindow = sent.length - head;
          const allowed = current(now);
          if (paced) refill(now);
          if (now >= pausedUntil && inWindow < allowed && (!paced || tokens >= 1)) {
            if (paced) tokens -= 1;
            sent.push(now);
            lanes.push(lane);
            if (waited) lastWait[lane] = now;
            return;
          }
          if (!waited) waiters[lane]++;
          waited = true;
          // The permit frees when the oldest request that keeps the window full leaves it.
          const oldestBlocking = sent[head + inWindow - allowed];
          let freeAt = inWindow < allowed ? now : (oldestBlocking ?? now) + options.windowMs;
          if (now < startupEnds) freeAt = Math.min(freeAt, startupEnds);
          if (paced && tokens < 1)
            freeAt = Math.max(freeAt, now + Math.ceil(((1 - tokens) * options.windowMs) / limit));
          await options.sleep(Math.max(1, Math.max(pausedUntil, freeAt) - now), signal);
        }
      } finally {
        if (waited) waiters[lane]--;
      }
    },
    setLimit(next, nextStartup) {
      refill(options.clock());
      const before = capacity();
      limit = Math.max(1, Math.floor(next));
      tokens = Math.max(0, tokens + capacity() - before); // a higher limit allows its larger burst at once
      if (nextStartup !== undefined) startupLimit = Math.max(1, Math.floor(nextStartup));
      else if (options.startupLimit === undefined) startupLimit = limit;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, options.clock() + ms);
    },
    used(lane) {
      prune(options.clock());
      if (lane === undefined) return sent.length - head;
      let count = 0;
      for (let index = head; index < lanes.length; index++) if (lanes[index] === lane) count++;
      return count;
    },
    lastWaitAt: (lane) => lastWait[lane],
    waiting: (lane) => (lane === undefined ? waiters.head + waiters['catch-up'] : waiters[lane]),
    limit: () => current(options.clock()),
  };
}
