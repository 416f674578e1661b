/**
 * Test support: virtual time for the poller's scheduler. `clock` and `sleep` are the poller's
 * injected time; `advanceTo` lets every pending promise settle, then jumps to the next timer,
 * until the target time. Only the poller's own waits are virtual (request timeouts stay real and
 * never fire: the fake Make answers at once).
 */
import type { Clock, Sleep } from '../timing.js';

/** A virtual clock and its timers. */
export interface VirtualTime {
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Runs the timers due until `end` (epoch ms), letting the work they start settle in between. */
  advanceTo(end: number): Promise<void>;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** Lets promise chains and body reads finish: a few turns of the real event loop. */
async function settle(): Promise<void> {
  for (let round = 0; round < 8; round++) await new Promise((resolve) => setImmediate(resolve));
}

/** Virtual time starting at `start` (epoch ms). */
export function virtualTime(start: number): VirtualTime {
  let now = start;
  let seq = 0;
  const timers: Timer[] = [];
  const remove = (timer: Timer): void => {
    const index = timers.indexOf(timer);
    if (index >= 0) timers.splice(index, 1);
  };
  return {
    clock: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const timer: Timer = {
          at: now + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          remove(timer);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
      }),
    async advanceTo(end) {
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers[0];
        if (next === undefined || next.at > end) {
          now = Math.max(now, end);
          return;
        }
        timers.shift();
        now = Math.max(now, next.at);
        next.resolve();
      }
    },
  };
}
