/**
 * `retry(operation, options)`: runs an async operation until it succeeds, fails with an error that
 * retrying cannot help, runs out of attempts or time, or is aborted. Delays follow
 * {@link createBackoff}. Errors are classified by `isRetriable` (default: the pipeline's own
 * classification, `PipelineError.retriable`; unknown errors are not retried).
 */
import { isRetriable as pipelineRetriable, PipelineError } from '../errors/index.js';
import { createBackoff, type BackoffOptions, type RandomSource } from './backoff.js';

/** Waits `ms`, or rejects with the signal's reason once `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** What `onRetry` is told before each wait. */
export interface RetryAttempt {
  readonly error: unknown;
  /** The attempt that just failed (1 = the first call). */
  readonly attempt: number;
  /** The wait before the next attempt (ms). */
  readonly delayMs: number;
}

/** Options of {@link retry}. */
export interface RetryOptions extends BackoffOptions {
  /** Calls in total, the first included (default: unlimited). */
  readonly maxAttempts?: number;
  /** No new attempt starts after this much time since the first (ms, default: unlimited). */
  readonly maxElapsedMs?: number;
  /** Stops waiting and retrying; `retry` then rejects with {@link RetryAbortedError}. */
  readonly signal?: AbortSignal;
  /** Default: the pipeline's classification (`PipelineError.retriable`). */
  readonly isRetriable?: (error: unknown) => boolean;
  /** Called before each wait (log, count). */
  readonly onRetry?: (attempt: RetryAttempt) => void;
  /** Epoch-ms clock (default `Date.now`). */
  readonly clock?: () => number;
  /** Random source for the jitter (default `Math.random`). */
  readonly random?: RandomSource;
  /** How to wait (default: a timer that the signal cancels). */
  readonly sleep?: Sleep;
}

/** `retry` was aborted through its signal; `cause` is the last error of the operation, if any. */
export class RetryAbortedError extends PipelineError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: false, cause });
  }
}

/** A timer-based sleep that an AbortSignal cancels (rejects with the signal's reason). */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Runs `operation(attempt)` (attempt counts from 1) until it resolves. Rejects with the operation's
 * own last error when it is not retriable or attempts/time ran out, and with RetryAbortedError when
 * `signal` aborts (before an attempt or during a wait; a running attempt is not interrupted unless
 * the operation itself watches the signal).
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const {
    maxAttempts = Infinity,
    maxElapsedMs = Infinity,
    signal,
    onRetry,
    clock = Date.now,
    random = Math.random,
    sleep: wait = sleep,
  } = options;
  const classify = options.isRetriable ?? pipelineRetriable;
  if (!(maxAttempts >= 1)) throw new RangeError(`retry maxAttempts must be ≥ 1 (got ${maxAttempts}).`);
  const backoff = createBackoff(options, random);
  const started = clock();
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new RetryAbortedError(`Retry aborted before attempt ${attempt}.`);
    let failure: unknown;
    try {
      return await operation(attempt);
    } catch (error) {
      failure = error;
    }
    if (!classify(failure) || attempt >= maxAttempts) throw failure;
    const delayMs = backoff.next();
    if (clock() + delayMs - started > maxElapsedMs) throw failure;
    onRetry?.({ error: failure, attempt, delayMs });
    try {
      await wait(delayMs, signal);
    } catch {
      throw new RetryAbortedError(`Retry aborted while waiting after attempt ${attempt}.`, failure);
    }
  }
}
