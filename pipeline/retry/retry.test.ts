import { describe, expect, it } from '@jest/globals';
import { PipelineError, RetriableError } from '../errors/index.js';
import { createBackoff, resolveBackoff } from './backoff.js';
import { retry, RetryAbortedError, sleep, type Sleep } from './retry.js';

/** A random source that replays `values` in a loop. */
const replay = (...values: number[]): (() => number) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

/** A clock and a sleep that only record: waiting moves the clock at once. */
const fakeTime = (): { clock: () => number; sleep: Sleep; waits: number[] } => {
  let now = 1_000;
  const waits: number[] = [];
  return {
    clock: () => now,
    waits,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
};

describe('createBackoff', () => {
  it('full jitter draws below an exponentially growing, capped ceiling', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 'full' }, replay(0.5));
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoff.attempts).toBe(6);
  });

  it('no jitter gives the ceilings themselves, and reset starts over', () => {
    const backoff = createBackoff({ initialMs: 10, maxMs: 50, jitter: 'none' });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 20, 40, 50]);
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });

  it('decorrelated jitter stays between initialMs and 3× the previous delay, capped', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 2_000, jitter: 'decorrelated' }, replay(1 - 1e-9));
    // Always the top of the range: 300, 900, 2000 (capped), 2000.
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([300, 900, 2_000, 2_000]);
    const low = createBackoff({ initialMs: 100, maxMs: 2_000, jitter: 'decorrelated' }, replay(0));
    expect([low.next(), low.next()]).toEqual([100, 100]);
  });

  it('rejects options that make no schedule, naming the option', () => {
    expect(() => resolveBackoff({ initialMs: 500, maxMs: 100 })).toThrow(/maxMs \(100\) must be ≥ initialMs \(500\)/);
    expect(() => resolveBackoff({ multiplier: 0.5 })).toThrow(/multiplier/);
  });
});

describe('retry', () => {
  it('retries retriable errors with the backoff delays and returns the first success', async () => {
    const time = fakeTime();
    const calls: number[] = [];
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        calls.push(attempt);
        if (attempt < 4) throw new RetriableError('store busy');
        return 'stored';
      },
      { ...time, initialMs: 100, jitter: 'none', onRetry: ({ delayMs }) => seen.push(delayMs) },
    );
    expect(result).toBe('stored');
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(time.waits).toEqual([100, 200, 400]);
    expect(seen).toEqual(time.waits);
  });

  it('does not retry a permanent error or an unknown one', async () => {
    const time = fakeTime();
    let calls = 0;
    const permanent = new PipelineError('bad data');
    await expect(
      retry(async () => {
        calls++;
        throw permanent;
      }, time),
    ).rejects.toBe(permanent);
    await expect(
      retry(async () => {
        calls++;
        throw new Error('unknown');
      }, time),
    ).rejects.toThrow('unknown');
    expect(calls).toBe(2);
    expect(time.waits).toEqual([]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const time = fakeTime();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new RetriableError(`failure ${calls}`);
        },
        { ...time, maxAttempts: 3 },
      ),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('gives up when the next wait would pass maxElapsedMs', async () => {
    const time = fakeTime();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new RetriableError('down');
        },
        { ...time, jitter: 'none', initialMs: 100, maxElapsedMs: 350 },
      ),
    ).rejects.toThrow('down');
    // Waits 100 and 200 (elapsed 300); the next (400) would pass 350.
    expect(time.waits).toEqual([100, 200]);
    expect(calls).toBe(3);
  });

  it('stops waiting at once when aborted, with the last error as cause', async () => {
    const controller = new AbortController();
    const last = new RetriableError('down');
    const running = retry(
      async () => {
        throw last;
      },
      { initialMs: 60_000, maxMs: 60_000, jitter: 'none', signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('stopping')), 10);
    const started = Date.now();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryAbortedError);
    expect((error as Error).cause).toBe(last);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not call the operation when the signal is already aborted', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
        },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toBeInstanceOf(RetryAbortedError);
    expect(calls).toBe(0);
  });

  it('sleep resolves after the delay and rejects when aborted', async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
    await expect(sleep(5, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});
