import { describe, expect, it } from '@jest/globals';
import { InvalidRecordError, RetriableError } from '../../../pipeline/errors/index.js';
import type { OutgoingRecord, Producer } from '../../../pipeline/log/contract.js';
import { createCoalescer } from './coalescer.js';

/** A hand-made producer that records its calls and refuses values of 'bad'. */
function recordingProducer(options: { down?: boolean } = {}) {
  const calls: { topic: string; values: string[] }[] = [];
  const producer: Producer = {
    async send(topic, records) {
      calls.push({ topic, values: records.map((record) => String(record.value)) });
      if (options.down) throw new Error('unreachable');
      if (records.some((record) => String(record.value) === 'bad')) throw new InvalidRecordError('too large');
      return [];
    },
    async close() {},
  };
  return { calls, producer: async () => producer };
}
const record = (value: string): OutgoingRecord => ({ key: 'k', value: Buffer.from(value) });

describe('send coalescer', () => {
  it('sends the records of requests made in the same turn in one send per topic, and resolves each', async () => {
    const { calls, producer } = recordingProducer();
    const send = createCoalescer(producer);
    await Promise.all([send('a', [record('1')]), send('a', [record('2'), record('3')]), send('b', [record('4')])]);
    expect(calls).toEqual([
      { topic: 'a', values: ['1', '2', '3'] },
      { topic: 'b', values: ['4'] },
    ]);
    await send('a', [record('5')]);
    expect(calls).toHaveLength(3);
  });

  it('fails only the request holding a record the log refuses', async () => {
    const { calls, producer } = recordingProducer();
    const send = createCoalescer(producer);
    const outcomes = await Promise.allSettled([
      send('a', [record('1')]),
      send('a', [record('bad')]),
      send('a', [record('3')]),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls.map((call) => call.values)).toEqual([['1', 'bad', '3'], ['1'], ['bad'], ['3']]);
  });

  it('fails every request of a send the log could not take', async () => {
    const { calls, producer } = recordingProducer({ down: true });
    const send = createCoalescer(producer);
    const outcomes = await Promise.allSettled([send('a', [record('1')]), send('a', [record('2')])]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toHaveLength(1);
  });

  it('lingers: requests of later turns within lingerMs share the send', async () => {
    const { calls, producer } = recordingProducer();
    const send = createCoalescer(producer, { lingerMs: 50, maxGroupRecords: 100, sendTimeoutMs: 1000 });
    const first = send('a', [record('1')]);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = send('a', [record('2')]);
    expect(calls).toHaveLength(0);
    await Promise.all([first, second]);
    expect(calls).toEqual([{ topic: 'a', values: ['1', '2'] }]);
  });

  it('sends at once when maxGroupRecords records are waiting, without waiting for the linger', async () => {
    const { calls, producer } = recordingProducer();
    const send = createCoalescer(producer, { lingerMs: 60_000, maxGroupRecords: 3, sendTimeoutMs: 1000 });
    const started = Date.now();
    await Promise.all([send('a', [record('1')]), send('b', [record('2'), record('3')])]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toEqual([
      { topic: 'a', values: ['1'] },
      { topic: 'b', values: ['2', '3'] },
    ]);
  });

  it('rejects every request of a group the log does not acknowledge within sendTimeoutMs, retriably', async () => {
    const never: Producer = { send: () => new Promise(() => undefined), close: async () => undefined };
    const send = createCoalescer(async () => never, { lingerMs: 0, maxGroupRecords: 100, sendTimeoutMs: 50 });
    const outcomes = await Promise.allSettled([send('a', [record('1')]), send('a', [record('2')])]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(RetriableError);
    }
  });
  it('with maxSendsInFlight, due groups wait for a send to settle and then go out as one', async () => {
    const calls: string[][] = [];
    const held: (() => void)[] = [];
    const holding: Producer = {
      send: (_topic, records) => {
        calls.push(records.map((record) => String(record.value)));
        return new Promise((resolve) => held.push(() => resolve([])));
      },
      close: async () => undefined,
    };
    const send = createCoalescer(async () => holding, {
      lingerMs: 0,
      maxGroupRecords: 100,
      sendTimeoutMs: 10_000,
      maxSendsInFlight: 1,
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = send('a', [record('1')]);
    await turn();
    const later = [send('a', [record('2')])];
    await turn();
    later.push(send('a', [record('3')]), send('b', [record('4')]));
    await turn();
    // One send unacknowledged: the others wait, whatever their topic.
    expect(calls).toEqual([['1']]);
    held.shift()!();
    await first;
    await turn();
    expect(calls).toEqual([['1'], ['2', '3'], ['4']]);
    for (const release of held.splice(0)) release();
    await Promise.all(later);
  });

  it('with maxSendsInFlight, a send that never settles is counted out at its timeout', async () => {
    const calls: string[][] = [];
    const hanging: Producer = {
      send: (_topic, records) => {
        calls.push(records.map((record) => String(record.value)));
        return calls.length === 1 ? new Promise(() => undefined) : Promise.resolve([]);
      },
      close: async () => undefined,
    };
    const send = createCoalescer(async () => hanging, {
      lingerMs: 0,
      maxGroupRecords: 100,
      sendTimeoutMs: 50,
      maxSendsInFlight: 1,
    });
    const first = send('a', [record('1')]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = send('a', [record('2')]);
    await expect(first).rejects.toBeInstanceOf(RetriableError);
    await expect(second).resolves.toBeUndefined();
    expect(calls).toEqual([['1'], ['2']]);
  });
});
