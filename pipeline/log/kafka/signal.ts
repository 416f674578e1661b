/** A wake-up for waiters: `wait` resolves at the next `notify` or after `timeoutMs`, whichever comes first. */
export interface Signal {
  wait(timeoutMs: number): Promise<void>;
  notify(): void;
}

/** A new signal with no waiters. */
export function createSignal(): Signal {
  let waiters = new Set<() => void>();
  return {
    wait(timeoutMs) {
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, timeoutMs));
        waiters.add(done);
      });
    },
    notify() {
      const current = waiters;
      waiters = new Set();
      for (const wake of current) wake();
    },
  };
}
