/**
 * Wakes consumers waiting in `poll` when a producer of the same log handle appended. Writes by
 * other handles and processes are found by the consumers' periodic look (`pollIntervalMs`).
 */

/** A broadcast wake-up with a bounded wait. */
export interface AppendSignal {
  /** Wakes every current waiter. */
  notify(): void;
  /** Resolves on the next `notify`, or after `ms`. */
  wait(ms: number): Promise<void>;
}

/** A new signal. */
export function createAppendSignal(): AppendSignal {
  let waiters: (() => void)[] = [];
  return {
    notify() {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
    wait(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== done);
          resolve();
        }, ms);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(done);
      });
    },
  };
}
