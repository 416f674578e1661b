import { afterEach, describe, expect, it } from '@jest/globals';
import { batchOf, corpus } from '../syslog/testing.js';
import { datadogIntakeUrl, type DatadogSinkConfigInput } from './config.js';
import { createDatadogSink } from './connector.js';
import { startFakeDatadog, type FakeDatadog } from './fake-datadog.js';
import { datadogEntry } from './payload.js';
import { classifyDatadogResponse } from './responses.js';

const apiKey = 'dd-test-key';
const environment = { env: { DD_KEY: apiKey }, readFile: () => '' };
let fake: FakeDatadog | undefined;
afterEach(async () => fake?.close());

const sink = (url: string, extra: Partial<DatadogSinkConfigInput> = {}) =>
  createDatadogSink({ url, apiKey: { env: 'DD_KEY' }, ddtags: ['env:test'], ...extra }, { environment });

describe('Datadog requests', () => {
  it('picks the intake host of the site, or the overriding URL', () => {
    expect(datadogIntakeUrl({ site: 'datadoghq.eu' })).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(datadogIntakeUrl({ site: 'us3.datadoghq.com' })).toBe(
      'https://http-intake.logs.us3.datadoghq.com/api/v2/logs',
    );
    expect(datadogIntakeUrl({ site: 'datadoghq.com', url: 'http://127.0.0.1:1/' })).toBe(
      'http://127.0.0.1:1/api/v2/logs',
    );
  });

  it('writes reserved fields, status from the level, ms timestamp and ECS attributes', () => {
    const [log] = corpus('dd-entry', 1);
    const options = { ddsource: 'makestream', ddtags: ['env:prod'], service: 'make', maxLogBytes: 1_000_000 };
    const entry = JSON.parse(datadogEntry({ ...log!, level: 'ERROR' }, options));
    expect(entry).toMatchObject({
      ddsource: 'makestream',
      ddtags: 'env:prod,level:error',
      service: 'make',
      hostname: log!.zone,
      status: 'error',
      message: log!.message,
      timestamp: log!.timestamp,
    });
    expect(entry.event.id).toBe(log!.eventId);
  });

  it('cuts a log over maxLogBytes with the marker, never drops it', () => {
    const [log] = corpus('dd-big', 1);
    const options = { ddsource: 's', ddtags: [], service: 'm', maxLogBytes: 2_000 };
    const text = datadogEntry({ ...log!, message: 'ü'.repeat(5_000) }, options);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2_000);
    const entry = JSON.parse(text);
    expect(entry.message.endsWith('…[truncated]')).toBe(true);
    expect(entry.truncated).toBe(true);
  });

  it.each([
    [202, 'ok'],
    [408, 'retriable'],
    [429, 'retriable'],
    [500, 'retriable'],
    [503, 'retriable'],
    [403, 'forbidden'],
    [413, 'too-large'],
    [400, 'bad-data'],
    [401, 'config'],
    [404, 'config'],
  ])('classifies HTTP %i as %s', (status, outcome) => {
    expect(classifyDatadogResponse(status)).toBe(outcome);
  });
});

describe('Datadog sink against a fake intake', () => {
  it('delivers every log once as gzip JSON arrays within the entry limit', async () => {
    fake = await startFakeDatadog(apiKey);
    const logs = corpus('dd-all', 25);
    const result = await sink(fake.url, { maxRequestEntries: 10 }).write(batchOf(logs));
    expect(result.failures).toEqual([]);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[0]!.headers['content-encoding']).toBe('gzip');
    expect(fake.logs.map((log) => (log.event as { id: string }).id)).toEqual(logs.map((log) => log.eventId));
  });

  it('splits on 413 and bisects a 400 down to the one bad log, which fails alone', async () => {
    fake = await startFakeDatadog(apiKey, { maxRequestBytes: 5_000, poisonMarker: 'POISON' });
    const logs = corpus('dd-split', 12);
    logs[7] = { ...logs[7]!, message: 'POISON' };
    const result = await sink(fake.url).write(batchOf(logs));
    expect(result.failures.map((failure) => [failure.index, failure.error.retriable])).toEqual([[7, false]]);
    expect(fake.logs).toHaveLength(11);
  });

  it('throws retriable on 429, 5xx and an unreachable intake; 403 only a few times in a row', async () => {
    fake = await startFakeDatadog(apiKey, { failNext: { count: 2, status: 429 } });
    const batch = batchOf(corpus('dd-errors', 2));
    const datadog = sink(fake.url);
    await expect(datadog.write(batch)).rejects.toMatchObject({ retriable: true });
    fake.behaviour.failNext = { count: 1, status: 503 };
    await expect(datadog.write(batch)).rejects.toMatchObject({ retriable: true });
    await expect(sink('http://127.0.0.1:1').write(batch)).rejects.toMatchObject({ retriable: true });
    const wrongKey = createDatadogSink(
      { url: fake.url, apiKey: { env: 'K' }, forbiddenRetries: 2 },
      { environment: { env: { K: 'wrong' }, readFile: () => '' } },
    );
    await expect(wrongKey.write(batch)).rejects.toMatchObject({ retriable: true });
    await expect(wrongKey.write(batch)).rejects.toMatchObject({ retriable: true });
    const third = (await wrongKey.write(batch).catch((error: unknown) => error)) as Error & { retriable: boolean };
    expect(third.retriable).toBe(false);
    expect(third.message).not.toContain('wrong');
    await expect(wrongKey.health()).resolves.toMatchObject({ healthy: false });
  });
});
