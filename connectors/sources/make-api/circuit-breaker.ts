/**
 * Circuit breaker per zone: after `failureThreshold` consecutive failed requests (5xx, timeouts,
 * connection loss) the zone is left alone for `openMs`; then one trial request goes out. Its
 * success closes the circuit; its failure opens it again for twice as long (up to `maxOpenMs`).
 * Requests wait while the circuit is open rather than fail: a poller has nothing better to do.
 */
import type { Clock, Sleep } from './timing.js';

/** Circuit states, as exported in metrics (0 closed, 1 open, 2 half-open). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** What a request's outcome says about the zone's health. */
export type CircuitOutcome = 'success' | 'failure' | 'neutral';

/** A zone's circuit breaker. */
export interface CircuitBreaker {
  /** Resolves when a request may go out (at once while closed). */
  ready(signal?: AbortSignal): Promise<void>;
  /** Reports the outcome of a request let through by `ready`; `neutral` when it ended without an answer about the zone (aborted). */
  record(outcome: CircuitOutcome): void;
  state(): CircuitState;
}

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly maxOpenMs: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Called on every state change (logs, metrics). */
  readonly onStateChange?: (state: CircuitState) => void;
}

/** A closed circuit breaker. */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  let state: CircuitState = 'closed';
  let failures = 0;
  let openFor = options.openMs;
  let openUntil = 0;
  let trialInFlight = false;

  function change(next: CircuitState): void {
    if (next === state) return;
    state = next;
    options.onStateChange?.(next);
  }

  function open(): void {
    openUntil = options.clock() + openFor;
    trialInFlight = false;
    change('open');
  }

  return {
    async ready(signal) {
      for (;;) {
        signal?.throwIfAborted();
        if (state === 'closed') return;
        const now = options.clock();
        if (state === 'open' && now < openUntil) {
          await options.sleep(openUntil - now, signal);
          continue;
        }
        if (!trialInFlight) {
          trialInFlight = true;
          change('half-open');
          return;
        }
        await options.sleep(Math.min(1000, Math.max(10, options.openMs / 10)), signal);
      }
    },
    record(outcome) {
      if (outcome === 'success') {
        failures = 0;
        openFor = options.openMs;
        trialInFlight = false;
        change('closed');
      } else if (outcome === 'failure') {
        failures++;
        if (state === 'half-open') {
          openFor = Math.min(options.maxOpenMs, openFor * 2);
          open();
        } else if (state === 'closed' && failures >= options.failureThreshold) {
          open();
        }
      } else if (state === 'half-open') {
        trialInFlight = false;
      }
    },
    state: () => state,
  };
}
