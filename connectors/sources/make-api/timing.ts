/**
 * Time, randomness and pauses, injected so that tests decide them: the rate budget, the circuit
 * breaker and the backoff never read the wall clock or `Math.random` directly.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Epoch milliseconds. */
export type Clock = () => number;

/** Waits `ms`; rejects with the signal's reason when it aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A number in [0, 1). */
export type Random = () => number;

/** The real pause (a timer that does not keep the process alive on its own). */
export const realSleep: Sleep = async (ms, signal) => {
  await delay(Math.max(0, ms), undefined, { signal, ref: false });
};

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** First pause (ms). */
  readonly initialMs: number;
  /** Longest pause (ms). */
  readonly maxMs: number;
}

/**
 * Jittered exponential backoff ("equal jitter"): attempt 1 waits between half and all of
 * `initialMs`, each further attempt doubles the range, capped at `maxMs`. Never reads Retry-After:
 * Make sends none.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: Random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
