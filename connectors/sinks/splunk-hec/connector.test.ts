import { afterEach, describe, expect, it } from '@jest/globals';
import { PipelineError } from '../../../pipeline/errors/index.js';
import { batchOf, corpus } from '../syslog/testing.js';
import { createSplunkHecSink } from './connector.js';
import { splitConcatenatedJson, startFakeHec, type FakeHec } from './fake-hec.js';
import { indexedFields } from './envelope.js';
import { enrichedLogDocument } from '../elasticsearch/documents.js';
import type { SplunkHecSinkConfigInput } from './config.js';

const token = '11111111-2222-3333-4444-555555555555';
const environment = { env: { HEC_TOKEN: token }, readFile: () => '' };
let fake: FakeHec | undefined;
afterEach(async () => fake?.close());

function sink(url: string, extra: Partial<SplunkHecSinkConfigInput> = {}) {
  let now = 0;
  return createSplunkHecSink(
    { url, token: { env: 'HEC_TOKEN' }, index: 'make', ...extra },
    {
      environment,
      newChannel: () => 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    },
  );
}

describe('Splunk HEC sink against a fake HEC', () => {
  it('delivers every event once, split into requests by count, with the token header', async () => {
    fake = await startFakeHec(token);
    const logs = corpus('hec-all', 25);
    const result = await sink(fake.url, { maxRequestEvents: 10 }).write(batchOf(logs));
    expect(result.failures).toEqual([]);
    expect(fake.requests.filter((request) => request.path === '/services/collector/event')).toHaveLength(3);
    expect(fake.events.map((event) => (event.event as { event: { id: string } }).event.id)).toEqual(
      logs.map((log) => log.eventId),
    );
    logs.forEach((log, at) => {
      expect(fake!.events[at]).toEqual({
        time: log.timestamp / 1000,
        host: log.zone,
        source: 'makestream',
        sourcetype: 'makestream:log',
        index: 'make',
        event: enrichedLogDocument(log).source,
        fields: indexedFields(log),
      });
    });
  });

  it('fails only the event the receiver names as invalid and resends the rest', async () => {
    fake = await startFakeHec(token, { poisonMarker: 'POISON' });
    const logs = corpus('hec-poison', 6);
    logs[2] = { ...logs[2]!, message: 'POISON here' };
    const result = await sink(fake.url).write(batchOf(logs));
    expect(result.failures.map((failure) => failure.index)).toEqual([2]);
    expect(result.failures[0]!.error.retriable).toBe(false);
    expect(result.failures[0]!.error.message).toContain(logs[2]!.eventId);
    expect(fake.events).toHaveLength(5);
  });

  it('splits a batch the receiver finds too large (413) and delivers all of it', async () => {
    fake = await startFakeHec(token, { maxContentLength: 4_000 });
    const logs = corpus('hec-413', 12);
    const result = await sink(fake.url).write(batchOf(logs));
    expect(result.failures).toEqual([]);
    expect(fake.events).toHaveLength(12);
    expect(fake.requests.length).toBeGreaterThan(2);
  });

  it('throws retriable on 503 and on an unreachable receiver, permanent on a bad token', async () => {
    fake = await startFakeHec(token, { failNext: { count: 1, status: 503, code: 9 } });
    const batch = batchOf(corpus('hec-errors', 2));
    await expect(sink(fake.url).write(batch)).rejects.toMatchObject({ retriable: true });
    await expect(sink('http://127.0.0.1:1').write(batch)).rejects.toMatchObject({ retriable: true });
    const wrongToken = createSplunkHecSink(
      { url: fake.url, token: { env: 'OTHER' } },
      { environment: { env: { OTHER: 'wrong' }, readFile: () => '' } },
    );
    const error = await wrongToken.write(batch).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ retriable: false });
    expect((error as Error).message).not.toContain('wrong');
  });

  it('reports health from /services/collector/health', async () => {
    fake = await startFakeHec(token);
    await expect(sink(fake.url).health()).resolves.toMatchObject({ healthy: true });
    await expect(sink('http://127.0.0.1:1').health()).resolves.toMatchObject({ healthy: false });
  });
});

describe('the fake HEC is strict', () => {
  it('accepts only concatenated JSON objects', () => {
    expect(splitConcatenatedJson('{"event":"a"}\n{"event":{"b":"}{"}}')).toEqual([
      { event: 'a' },
      { event: { b: '}{' } },
    ]);
    expect(() => splitConcatenatedJson('[{"event":"a"}]')).toThrow();
    expect(() => splitConcatenatedJson('{"event":"a"},{"event":"b"}')).toThrow();
  });
});

describe('Splunk HEC sink with indexer acknowledgement (fake HEC)', () => {
  it('resolves only after the ack is true, polling with the channel', async () => {
    fake = await startFakeHec(token, { ack: true, ackAfterPolls: 2 });
    const logs = corpus('hec-ack', 5);
    const result = await sink(fake.url, { ack: { enabled: true, pollIntervalMs: 10, timeoutMs: 1_000 } }).write(
      batchOf(logs),
    );
    expect(result.failures).toEqual([]);
    expect(fake.events).toHaveLength(5);
    const acks = fake.requests.filter((request) => request.path.startsWith('/services/collector/ack'));
    expect(acks).toHaveLength(3);
    expect(acks[0]!.path).toContain('channel=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(fake.requests[0]!.headers['x-splunk-request-channel']).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  });

  it('resends a request whose ack timed out, then fails retriable after maxResends', async () => {
    fake = await startFakeHec(token, { ack: true, ackAfterPolls: Number.POSITIVE_INFINITY });
    const batch = batchOf(corpus('hec-ack-timeout', 3));
    const hec = sink(fake.url, { ack: { enabled: true, pollIntervalMs: 10, timeoutMs: 30, maxResends: 2 } });
    await expect(hec.write(batch)).rejects.toMatchObject({ retriable: true });
    expect(fake.requests.filter((request) => request.path === '/services/collector/event')).toHaveLength(3);
    expect(fake.events).toHaveLength(0);
  });

  it('fails permanently when ack is on but the receiver gives no ackId', async () => {
    fake = await startFakeHec(token);
    const hec = sink(fake.url, { ack: { enabled: true } });
    await expect(hec.write(batchOf(corpus('hec-noack', 1)))).rejects.toMatchObject({ retriable: false });
  });
});
