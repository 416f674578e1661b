import { describe, expect, it } from '@jest/globals';
import { RetriableError } from '../../../pipeline/errors/index.js';
import type { SinkBatch } from '../../../pipeline/sink/api.js';
import type { LogRecord } from '../../../pipeline/log/contract.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import type { BulkResponseBody } from './bulk.js';
import type { SearchClient } from './client.js';
import { parseSearchSinkConfig } from './config.js';
import { createSearchSink } from './connector.js';

/** The entries (`action\nsource`) of an NDJSON bulk body; checks every line ends with a newline. */
function entriesOf(bytes: Buffer): string[] {
  const body = bytes.toString('utf8');
  expect(body.endsWith('\n')).toBe(true);
  const lines = body.slice(0, -1).split('\n');
  expect(lines.length % 2).toBe(0);
  return Array.from({ length: lines.length / 2 }, (_, i) => `${lines[2 * i]}\n${lines[2 * i + 1]}`);
}

/** A hand-made client: records calls, answers bulk requests from a script. */
function fakeClient(answer: (lines: readonly string[]) => BulkResponseBody | Error = () => ({ errors: false })) {
  const calls: { method: string; name?: string; lines?: readonly string[] }[] = [];
  const client: SearchClient = {
    async bulk(body) {
      const lines = entriesOf(body);
      calls.push({ method: 'bulk', lines });
      const result = answer(lines);
      if (result instanceof Error) throw result;
      return result;
    },
    async putComponentTemplate(name) {
      calls.push({ method: 'component', name });
    },
    async putIndexTemplate(name) {
      calls.push({ method: 'index', name });
    },
    async clusterStatus() {
      return 'yellow';
    },
    async close() {
      calls.push({ method: 'close' });
    },
  };
  return { client, calls };
}

const baseLog = exampleEvents['com.makestream.v1.EnrichedLog'];
const log = (n: number, overrides: Partial<EnrichedLog> = {}): EnrichedLog => ({
  ...baseLog,
  eventId: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
  ...overrides,
});

const batchOf = (values: EnrichedLog[], topic = 'make.logs.enriched.v1'): SinkBatch => ({
  topic,
  dedupToken: `${topic}/0/0-${values.length - 1}`,
  items: values.map((value, offset) => ({
    eventId: value.eventId,
    value,
    record: { topic, partition: 0, offset, key: null, value: null, headers: {}, timestamp: 0 } satisfies LogRecord,
  })),
});

const config = (extra: Record<string, unknown> = {}) =>
  parseSearchSinkConfig({ flavour: 'elasticsearch', nodes: ['http://127.0.0.1:9200'], ...extra });

describe('search sink connector', () => {
  it('installs component templates before the index templates of its datasets', async () => {
    const { client, calls } = fakeClient();
    const sink = createSearchSink(config({ topics: ['make.logs.enriched.v1', 'make.metrics.v1'] }), { client });
    await sink.start();
    expect(calls.map((call) => `${call.method} ${call.name}`)).toEqual([
      'component makestream@ecs-mappings',
      'component makestream@settings',
      'component makestream@make.enriched-mappings',
      'component makestream@make.metrics-mappings',
      'index makestream-ds-logs-make.enriched',
      'index makestream-ds-metrics-make.metrics',
    ]);
    expect(sink.topics).toEqual([
      { topic: 'make.logs.enriched.v1', codec: { kind: 'avro', schema: 'enriched-log' } },
      { topic: 'make.metrics.v1', codec: { kind: 'avro', schema: 'metric-window' } },
    ]);
  });

  it('writes one create per item with the event id as _id, to the data stream or the daily index', async () => {
    for (const [layout, target] of [
      ['data-stream', 'logs-make.enriched-prod'],
      ['daily-indices', 'makestream-logs-make.enriched-prod-2026.01.01'],
    ] as const) {
      const { client, calls } = fakeClient();
      const sink = createSearchSink(config({ layout, namespace: 'prod' }), { client });
      expect(await sink.write(batchOf([log(1), log(2)]))).toEqual({ failures: [] });
      expect(calls).toHaveLength(1);
      const actions = calls[0]!.lines!.map((lines) => JSON.parse(lines.split('\n')[0]!) as unknown);
      expect(actions).toEqual([
        { create: { _index: target, _id: log(1).eventId } },
        { create: { _index: target, _id: log(2).eventId } },
      ]);
    }
  });

  it('counts 409 conflicts as delivered and reports failed items by batch index with their class', async () => {
    const { client } = fakeClient(() => ({
      errors: true,
      items: [
        { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } } },
        { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad long' } } },
        { create: { status: 201 } },
        { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
      ],
    }));
    const sink = createSearchSink(config(), { client });
    const result = await sink.write(batchOf([log(1), log(2), log(3), log(4)]));
    expect(result.failures.map((failure) => [failure.index, failure.error.retriable])).toEqual([
      [1, false],
      [3, true],
    ]);
    expect(result.failures[0]!.error.message).toMatch(/logs-make\.enriched-default refused document .*0002.*bad long/);
  });

  it('fails an item it cannot turn into a document alone, without sending it', async () => {
    const { client, calls } = fakeClient();
    const sink = createSearchSink(config(), { client });
    const result = await sink.write(batchOf([log(1), log(2, { timestamp: Number.NaN }), log(3)]));
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 1, error: { retriable: false } });
    expect(result.failures[0]!.error.message).toMatch(/cannot become a enriched-log document: timestamp is not a time/);
    expect(calls[0]!.lines).toHaveLength(2);
  });

  it('splits a batch over maxRequestBytes into several requests and maps item indexes across them', async () => {
    let request = 0;
    const { client, calls } = fakeClient((lines) => {
      request += 1;
      // The second request fails its first item.
      return request === 2
        ? { errors: true, items: lines.map((_, i) => ({ create: { status: i === 0 ? 500 : 201 } })) }
        : { errors: false };
    });
    const sink = createSearchSink(config({ maxRequestBytes: 2048 }), { client });
    const values = Array.from({ length: 6 }, (_, n) => log(n));
    const result = await sink.write(batchOf(values));
    const sizes = calls.map((call) => call.lines!.length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(6);
    expect(result.failures.map((failure) => failure.index)).toEqual([sizes[0]]);
    expect(result.failures[0]!.error.retriable).toBe(true);
  });

  it('sends at most maxRequestDocs per request, and a failed request fails the batch before the next one', async () => {
    let request = 0;
    const { client, calls } = fakeClient(() => {
      request += 1;
      return request === 2 ? new RetriableError('_bulk: TimeoutError') : { errors: false };
    });
    const sink = createSearchSink(config({ maxRequestDocs: 2, maxRequestsInFlight: 1 }), { client });
    await expect(sink.write(batchOf([log(1), log(2), log(3), log(4), log(5)]))).rejects.toThrow('TimeoutError');
    expect(calls.map((call) => call.lines!.length)).toEqual([2, 2]);
    request = 0;
    const { client: healthy, calls: sent } = fakeClient();
    await createSearchSink(config({ maxRequestDocs: 2 }), { client: healthy }).write(batchOf([log(1), log(2), log(3)]));
    expect(sent.map((call) => call.lines!.length)).toEqual([2, 1]);
  });

  it('keeps maxRequestsInFlight requests at the server at once and acknowledges the batch when all are answered', async () => {
    let open = 0;
    let most = 0;
    const pending: (() => void)[] = [];
    const client: SearchClient = {
      ...fakeClient().client,
      bulk: async () => {
        open += 1;
        most = Math.max(most, open);
        await new Promise<void>((resolve) => pending.push(resolve));
        open -= 1;
        return { errors: false };
      },
    };
    const sink = createSearchSink(config({ maxRequestDocs: 2, maxRequestsInFlight: 2 }), { client });
    let done = false;
    const writing = sink.write(batchOf([log(1), log(2), log(3), log(4), log(5)])).then((result) => {
      done = true;
      return result;
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    expect(pending).toHaveLength(2); // requests 1 and 2 out, the third waits for a slot
    pending[1]!();
    await settle();
    expect(pending).toHaveLength(3);
    pending[2]!();
    await settle();
    expect(done).toBe(false); // request 1 is still unanswered
    pending[0]!();
    expect(await writing).toEqual({ failures: [] });
    expect(most).toBe(2);
  });

  it('with requests in flight, a failed one stops further requests and fails the batch once the others settle', async () => {
    let request = 0;
    const { client, calls } = fakeClient(() => {
      request += 1;
      return request === 1 ? new RetriableError('_bulk: TimeoutError') : { errors: false };
    });
    const sink = createSearchSink(config({ maxRequestDocs: 1, maxRequestsInFlight: 2 }), { client });
    await expect(sink.write(batchOf([log(1), log(2), log(3), log(4), log(5)]))).rejects.toThrow('TimeoutError');
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it('throws a retriable error for the whole batch when the request fails', async () => {
    const { client } = fakeClient(() => new RetriableError('_bulk: ConnectionError'));
    const sink = createSearchSink(config(), { client });
    await expect(sink.write(batchOf([log(1)]))).rejects.toMatchObject({ retriable: true });
  });

  it('refuses a batch of a topic it was not configured for', async () => {
    const { client } = fakeClient();
    const sink = createSearchSink(config({ topics: ['make.metrics.v1'] }), { client });
    await expect(sink.write(batchOf([log(1)]))).rejects.toThrow(
      /make\.logs\.enriched\.v1, which is not in sinks\.elasticsearch\.topics/,
    );
  });

  it('reports health from the cluster status, and unhealthy when the cluster cannot be asked', async () => {
    const { client } = fakeClient();
    const sink = createSearchSink(config(), { client });
    expect(await sink.health()).toEqual({ healthy: true, detail: 'elasticsearch cluster status yellow' });
    const down = createSearchSink(config(), {
      client: { ...client, clusterStatus: () => Promise.reject(new RetriableError('connect ECONNREFUSED')) },
    });
    expect(await down.health()).toEqual({ healthy: false, detail: 'connect ECONNREFUSED' });
  });
});
