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

describe('rate budget pacing and lanes', () => {
  it('sends at most burstFraction of the limit at once, then one request per windowMs/limit, without bursts after waiting', async () => {
    const time = fakeTime();
    const budget = createRateBudget({
      limit: 60,
      windowMs: 60_000,
      burstFraction: 0.25,
      clock: time.clock,
      sleep: time.sleep,
    });
    const start = time.clock();
    const sent: number[] = [];
    for (let i = 0; i < 120; i++) {
      await budget.acquire();
      sent.push(time.clock() - start);
    }
    expect(sent.slice(0, 15)).toEqual(Array(15).fill(0));
    // Paced at 1 s from the 16th on (the window is full from 45 s until the burst leaves it at
    // 60 s); then the 15 permits freed at once do not bring a burst back, since no tokens were
    // saved while requests waited: one request a second from then on.
    expect(sent.slice(15, 61)).toEqual([...Array.from({ length: 45 }, (_, index) => (index + 1) * 1000), 60_000]);
    const gaps = sent.slice(61).map((at, index) => at - (sent[60 + index] as number));
    expect(new Set(gaps)).toEqual(new Set([1000]));
    expect(maxInWindow(sent, 60_000)).toBeLessThanOrEqual(60);
  });

  it('counts permits and waits per lane', async () => {
    const time = fakeTime();
    const budget = createRateBudget({ limit: 3, windowMs: 60_000, clock: time.clock, sleep: time.sleep });
    await budget.acquire(undefined, 'catch-up');
    await budget.acquire();
    expect([budget.used('head'), budget.used('catch-up')]).toEqual([1, 1]);
    expect(budget.lastWaitAt('head')).toBe(Number.NEGATIVE_INFINITY);
    await budget.acquire();
    await budget.acquire(); // waits for the window
    expect(budget.lastWaitAt('head')).toBe(time.clock());
    expect(budget.lastWaitAt('catch-up')).toBe(Number.NEGATIVE_INFINITY);
    expect(budget.used()).toBe(1); // the first three left the window
    expect(budget.used('head')).toBe(1);
    expect(budget.used('catch-up')).toBe(0);
    expect(budget.waiting()).toBe(0);
  });
});
