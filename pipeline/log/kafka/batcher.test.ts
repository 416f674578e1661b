import { describe, expect, it } from '@jest/globals';
import type { RecordMetadata, TopicMessages } from 'kafkajs';
import { createBatcher, type QueuedMessage } from './batcher.js';

/** A fake broker: records every request, answers with per-partition base offsets, can fail on demand. */
function fakeBroker() {
  const next = new Map<string, number>();
  const requests: TopicMessages[][] = [];
  const pending: (() => void)[] = [];
  let failNext: Error | undefined;
  let hold = false;
  const send = async (topicMessages: TopicMessages[]): Promise<RecordMetadata[]> => {
    requests.push(topicMessages);
    if (hold) await new Promise<void>((resolve) => pending.push(resolve));
    if (failNext) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    const results: RecordMetadata[] = [];
    for (const { topic, messages } of topicMessages) {
      const counts = new Map<number, number>();
      for (const message of messages) counts.set(message.partition!, (counts.get(message.partition!) ?? 0) + 1);
      for (const [partition, count] of counts) {
        const key = `${topic}/${partition}`;
        const base = next.get(key) ?? 0;
        next.set(key, base + count);
        results.push({ topicName: topic, partition, errorCode: 0, baseOffset: String(base) });
      }
    }
    return results;
  };
  return {
    send,
    requests,
    fail(error: Error) {
      failNext = error;
    },
    hold() {
      hold = true;
    },
    /** Answers the requests held so far; later ones are held too. */
    release() {
      for (const resolve of pending.splice(0)) resolve();
    },
  };
}

const message = (partition: number, bytes = 100, value = 'v'): QueuedMessage => ({
  message: { value, partition },
  bytes,
});

describe('produce batcher', () => {
  it('resolves each send with its own offsets, in order', async () => {
    const broker = fakeBroker();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 1_000_000, send: broker.send });
    expect(await batcher.add('t', [message(0), message(1), message(0)], 10_000)).toEqual([0, 0, 1]);
    expect(await batcher.add('t', [message(0)], 10_000)).toEqual([2]);
    expect(broker.requests).toHaveLength(2);
  });

  it('packs sends that arrive while a request is in flight into the next request', async () => {
    const broker = fakeBroker();
    broker.hold();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 1_000_000, send: broker.send });
    const first = batcher.add('t', [message(0)], 10_000);
    const later = [
      batcher.add('t', [message(0)], 10_000),
      batcher.add('u', [message(1)], 10_000),
      batcher.add('t', [message(0)], 10_000),
    ];
    broker.release();
    expect(await first).toEqual([0]);
    await new Promise((resolve) => setImmediate(resolve));
    broker.release();
    expect(await Promise.all(later)).toEqual([[1], [0], [2]]);
    expect(broker.requests).toHaveLength(2);
    expect(broker.requests[1]!.map(({ topic, messages }) => [topic, messages.length])).toEqual([
      ['t', 2],
      ['u', 1],
    ]);
  });

  it("cuts requests so that no partition's batch exceeds its budget, keeping order", async () => {
    const broker = fakeBroker();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 1_000_000, send: broker.send });
    // Budget 61 (batch header) + 250: two records of 100 bytes per partition per request.
    const offsets = await batcher.add(
      't',
      [0, 1, 2, 3, 4].map((i) => message(0, 100, `r${i}`)),
      61 + 250,
    );
    expect(offsets).toEqual([0, 1, 2, 3, 4]);
    expect(broker.requests.map((request) => request[0]!.messages.map((m) => m.value))).toEqual([
      ['r0', 'r1'],
      ['r2', 'r3'],
      ['r4'],
    ]);
  });

  it('sends a single record larger than the budget alone rather than never', async () => {
    const broker = fakeBroker();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 500, send: broker.send });
    expect(await batcher.add('t', [message(0, 10_000), message(0, 10)], 1000)).toEqual([0, 1]);
    expect(broker.requests).toHaveLength(2);
  });

  it('a failed request rejects only the sends in it; later sends go on', async () => {
    const broker = fakeBroker();
    broker.hold();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 150, send: broker.send });
    const failing = batcher.add('t', [message(0)], 10_000);
    const next = batcher.add('t', [message(1)], 10_000);
    broker.fail(new Error('MESSAGE_TOO_LARGE'));
    broker.release();
    await expect(failing).rejects.toThrow('MESSAGE_TOO_LARGE');
    await new Promise((resolve) => setImmediate(resolve));
    broker.release();
    expect(await next).toEqual([0]);
  });

  it('a send split over requests rejects when a later part fails, and its rest is not sent', async () => {
    const broker = fakeBroker();
    broker.hold();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 150, send: broker.send });
    const split = batcher.add('t', [message(0), message(0), message(0)], 10_000);
    broker.release();
    await new Promise((resolve) => setImmediate(resolve));
    broker.fail(new Error('connection lost'));
    broker.release();
    await expect(split).rejects.toThrow('connection lost');
    // Three requests of one record each were needed; the third was never sent.
    expect(broker.requests).toHaveLength(2);
  });

  it('lingers for company when asked to', async () => {
    const broker = fakeBroker();
    const sleeps: number[] = [];
    let now = 1000;
    const batcher = createBatcher({
      lingerMs: 20,
      requestMaxBytes: 1_000_000,
      send: broker.send,
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    const sends = [batcher.add('t', [message(0)], 10_000), batcher.add('t', [message(1)], 10_000)];
    expect(await Promise.all(sends)).toEqual([[0], [0]]);
    expect(sleeps).toEqual([20]);
    expect(broker.requests).toHaveLength(1);
  });

  it('close waits for queued sends and then refuses new ones', async () => {
    const broker = fakeBroker();
    const batcher = createBatcher({ lingerMs: 0, requestMaxBytes: 1_000_000, send: broker.send });
    const queued = batcher.add('t', [message(0)], 10_000);
    await batcher.close();
    expect(await queued).toEqual([0]);
    await expect(batcher.add('t', [message(0)], 10_000)).rejects.toThrow('This Kafka producer is closed');
  });
});
