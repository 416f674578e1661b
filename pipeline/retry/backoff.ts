/**
 * Jittered exponential backoff: the one delay schedule of the pipeline (after AWS's "Exponential
 * Backoff And Jitter" and KafkaJS's retrier). A schedule is a pure function of its options and the
 * injected random source, so tests replay it exactly.
 *
 * - `full`: delay = random × min(maxMs, initialMs × multiplier^attempt). Spreads retries of many
 *   clients evenly; the default.
 * - `decorrelated`: delay = min(maxMs, random between initialMs and 3 × previous delay). Grows
 *   like exponential backoff but each delay depends on the previous one, not on the attempt number.
 * - `none`: delay = min(maxMs, initialMs × multiplier^attempt) (tests, deterministic tools).
 */

/** How delays are randomised. */
export type Jitter = 'full' | 'decorrelated' | 'none';

/** Shape of a backoff schedule. */
export interface BackoffOptions {
  /** First delay's upper bound (ms, default 100). */
  readonly initialMs?: number;
  /** No delay exceeds this (ms, default 30 000). */
  readonly maxMs?: number;
  /** Growth factor per attempt for `full` and `none` (default 2). */
  readonly multiplier?: number;
  /** Randomisation (default `full`). */
  readonly jitter?: Jitter;
}

/** A stateful delay schedule: `next()` gives the delay before the next attempt. */
export interface Backoff {
  /** The delay (ms, an integer ≥ 0) to wait before the next attempt; advances the schedule. */
  next(): number;
  /** Starts over (after a success). */
  reset(): void;
  /** Delays handed out since the last reset. */
  readonly attempts: number;
}

/** A random number in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** The defaults, resolved. */
export const defaultBackoff: Required<BackoffOptions> = Object.freeze({
  initialMs: 100,
  maxMs: 30_000,
  multiplier: 2,
  jitter: 'full',
});

/** Checks the options once, with messages that name the option. */
export function resolveBackoff(options: BackoffOptions = {}): Required<BackoffOptions> {
  const resolved = { ...defaultBackoff, ...stripUndefined(options) };
  if (!(resolved.initialMs >= 0)) throw new RangeError(`Backoff initialMs must be ≥ 0 (got ${resolved.initialMs}).`);
  if (!(resolved.maxMs >= resolved.initialMs)) {
    throw new RangeError(`Backoff maxMs (${resolved.maxMs}) must be ≥ initialMs (${resolved.initialMs}).`);
  }
  if (!(resolved.multiplier >= 1)) throw new RangeError(`Backoff multiplier must be ≥ 1 (got ${resolved.multiplier}).`);
  return resolved;
}

/** Creates a backoff schedule; `random` is injected so that tests are deterministic. */
export function createBackoff(options: BackoffOptions = {}, random: RandomSource = Math.random): Backoff {
  const { initialMs, maxMs, multiplier, jitter } = resolveBackoff(options);
  let attempts = 0;
  let previous = initialMs;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * multiplier ** attempts);
      let delay: number;
      if (jitter === 'full') delay = random() * ceiling;
      else if (jitter === 'none') delay = ceiling;
      else {
        const upper = Math.max(initialMs, previous * 3);
        delay = Math.min(maxMs, initialMs + random() * (upper - initialMs));
        previous = delay;
      }
      attempts++;
      return Math.round(delay);
    },
    reset() {
      attempts = 0;
      previous = initialMs;
    },
    get attempts() {
      return attempts;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
