/** The pipeline's one retry helper: jittered exponential backoff (see README.md). */
export {
  createBackoff,
  defaultBackoff,
  resolveBackoff,
  type Backoff,
  type BackoffOptions,
  type Jitter,
  type RandomSource,
} from './backoff.js';
export { retry, RetryAbortedError, sleep, type RetryAttempt, type RetryOptions, type Sleep } from './retry.js';
