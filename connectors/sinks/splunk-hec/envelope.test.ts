import { describe, expect, it } from '@jest/globals';
import { corpus } from '../syslog/testing.js';
import { createAckWaiter } from './ack.js';
import { hecEnvelope, hecTime } from './envelope.js';
import { classifyHecResponse } from './responses.js';

const options = { source: 'makestream', sourcetype: 'makestream:log', maxEventBytes: 4096 } as const;

describe('HEC envelopes', () => {
  it('writes time as epoch seconds with milliseconds', () => {
    expect(hecTime(1_764_248_700_123)).toBe(1764248700.123);
    expect(hecTime(1_764_248_700_000)).toBe(1764248700);
  });

  it('carries the ECS document as event and string-only indexed fields', () => {
    const [log] = corpus('envelope', 1);
    const envelope = JSON.parse(hecEnvelope(log!, { ...options, index: 'make', host: 'h1' }));
    expect(envelope).toMatchObject({ host: 'h1', index: 'make', source: 'makestream', sourcetype: 'makestream:log' });
    expect(envelope.time).toBe(log!.timestamp / 1000);
    expect(envelope.event['@timestamp']).toBe(new Date(log!.timestamp).toISOString());
    expect(envelope.event.event.id).toBe(log!.eventId);
    expect(envelope.event.message).toBe(log!.message);
    expect(envelope.fields.event_id).toBe(log!.eventId);
    expect(envelope.fields.level).toBe(log!.level.toLowerCase());
    for (const value of Object.values(envelope.fields)) expect(typeof value).toBe('string');
  });

  it('cuts an event over maxEventBytes, marks it, and never drops it', () => {
    const [log] = corpus('big', 1);
    const text = hecEnvelope({ ...log!, message: 'é'.repeat(10_000) }, options);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(options.maxEventBytes);
    const envelope = JSON.parse(text);
    expect(envelope.event.message.endsWith('…[truncated]')).toBe(true);
    expect(envelope.event.make.truncated).toBe(true);
    expect(envelope.fields.truncated).toBe('true');
  });
});

describe('HEC response classification', () => {
  it.each([
    [200, { code: 0 }, 'ok'],
    [429, {}, 'retriable'],
    [500, { code: 8 }, 'retriable'],
    [503, { code: 9 }, 'retriable'],
    [503, { code: 18 }, 'retriable'],
    [502, {}, 'retriable'],
    [501, {}, 'config'],
    [413, {}, 'too-large'],
    [400, { code: 6, 'invalid-event-number': 2 }, 'invalid-event'],
    [400, { code: 12 }, 'bad-data'],
    [400, { code: 6 }, 'bad-data'],
    [401, { code: 3 }, 'config'],
    [403, { code: 4 }, 'config'],
    [400, { code: 7 }, 'config'],
    [400, { code: 10 }, 'config'],
  ])('HTTP %i %j is %s', (status, reply, kind) => {
    expect(classifyHecResponse(status, reply).kind).toBe(kind);
  });

  it('keeps the ackId and the invalid event number', () => {
    expect(classifyHecResponse(200, { code: 0, ackId: 7 })).toEqual({ kind: 'ok', ackId: 7 });
    expect(classifyHecResponse(400, { code: 6, 'invalid-event-number': 3 })).toMatchObject({ index: 3 });
  });
});

describe('indexer ack waiter', () => {
  it('remembers trues, polls the rest, and reports timeouts', async () => {
    let now = 0;
    const asked: number[][] = [];
    const answers: Record<string, boolean>[] = [{ 1: true }, { 2: false }, { 2: false }];
    const wait = createAckWaiter({
      pollIntervalMs: 10,
      timeoutMs: 25,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      async query(ids) {
        asked.push([...ids]);
        const answer = answers.shift();
        if (answer === undefined) throw new Error('receiver down');
        return answer;
      },
    });
    const result = await wait([1, 2]);
    expect(result).toEqual({ acknowledged: [1], timedOut: [2] });
    expect(asked).toEqual([[1, 2], [2], [2], [2]]);
  });
});
