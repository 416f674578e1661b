import { createRateBudget } from './rate-budget.js';
import type { Sleep } from './timing.js';

function fakeTime(start = 1_000_000) {
  let now = start;
  const sleep: Sleep = async (ms) => {
    now += ms;
  };
  return { clock: () => now, sleep, advance: (ms: number) => (now += ms) };
}

/** The most requests in any window of `windowMs` among `times`. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] as number) - (times[i] as number) >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('rate budget', () => {
  it('never lets more than the limit through in any window', async () => {
    const time = fakeTime();
    const budget = createRateBudget({ limit: 10, windowMs: 60_000, clock: time.clock, sleep: time.sleep });
    const sent: number[] = [];
    for (let i = 0; i < 95; i++) {
      await budget.acquire();
      sent.push(time.clock());
      time.advance(137);
    }
    expect(maxInWindow(sent, 60_000)).toBe(10);
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThanOrEqual(9 * 60_000);
  });

  it('holds every permit during a pause and resumes after it', async () => {
    const time = fakeTime();
    const budget = createRateBudget({ limit: 100, windowMs: 60_000, clock: time.clock, sleep: time.sleep });
    await budget.acquire();
    budget.pause(5000);
    const before = time.clock();
    await budget.acquire();
    expect(time.clock() - before).toBeGreaterThanOrEqual(5000);
    expect(budget.used()).toBe(2);
  });

  it('applies a new limit at once', async () => {
    const time = fakeTime();
    const budget = createRateBudget({ limit: 2, windowMs: 60_000, clock: time.clock, sleep: time.sleep });
    await budget.acquire();
    await budget.acquire();
    budget.setLimit(4);
    const before = time.clock();
    await budget.acquire();
    await budget.acquire();
    expect(time.clock()).toBe(before);
    expect(budget.limit()).toBe(4);
  });

  it('rejects a waiting acquire when its signal aborts', async () => {
    const budget = createRateBudget({
      limit: 1,
      windowMs: 60_000,
      clock: () => 0,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    await budget.acquire();
    const controller = new AbortController();
    const waiting = budget.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('aborted');
  });
});

describe('rate budget after a restart', () => {
  it('allows only the start-up limit in the first window', async () => {
    let now = 0;
    const budget = createRateBudget({
      limit: 54,
      startupLimit: 6,
      windowMs: 61_000,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    for (let i = 0; i < 7; i++) await budget.acquire();
    expect(now).toBe(61_000);
    expect(budget.limit()).toBe(54);
  });
});
