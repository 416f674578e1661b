import { describe, expect, it } from '@jest/globals';
import type { LogRecord } from '../../../pipeline/log/contract.js';
import type { SinkBatch, SinkConnector } from '../../../pipeline/sink/api.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import type { BulkResponseBody } from './bulk.js';
import type { SearchClient } from './client.js';
import { parseSearchSinkConfig } from './config.js';
import { createSearchSink } from './connector.js';

/** A hand-made client: keeps every request body, answers from a script. */
function fakeClient(answer: (call: number, docs: number) => BulkResponseBody = () => ({ errors: false })) {
  const bodies: string[] = [];
  const client: SearchClient = {
    async bulk(body) {
      bodies.push(body.toString('utf8'));
      return answer(bodies.length, body.toString('utf8').split('\n').length >> 1);
    },
    putComponentTemplate: async () => undefined,
    putIndexTemplate: async () => undefined,
    clusterStatus: async () => 'green',
    close: async () => undefined,
  };
  return { client, bodies };
}

const record = (topic: string, offset: number): LogRecord => ({
  topic,
  partition: 0,
  offset,
  key: null,
  value: null,
  headers: {},
  timestamp: 0,
});

const baseLog = exampleEvents['com.makestream.v1.EnrichedLog'];
const logs = Array.from({ length: 8 }, (_, n): EnrichedLog => ({
  ...baseLog,
  eventId: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
  // Two event days, so that daily indices differ within one batch.
  timestamp: baseLog.timestamp + n * 43_200_000,
  message: n === 3 ? 'quote " backslash \\ tab \t é ✓ 😀' : `${baseLog.message} #${n}`,
}));
const others: readonly [string, readonly unknown[]][] = [
  ['make.incidents.v1', [exampleEvents['com.makestream.v1.Incident']]],
  ['make.anomalies.v1', [exampleEvents['com.makestream.v1.Anomaly']]],
  ['make.metrics.v1', [exampleEvents['com.makestream.v1.MetricWindow']]],
  ['make.audit.raw.v1', [exampleEvents['com.makestream.v1.AuditEvent']]],
];

/** The batch of `values` as the runtime hands it over: decoded, or through the sink's `prepare`. */
function batchOf(sink: SinkConnector, topic: string, values: readonly unknown[], prepared: boolean): SinkBatch {
  return {
    topic,
    dedupToken: `${topic}/0/0-${values.length - 1}`,
    items: values.map((value, offset) => {
      const eventId = (value as { eventId: string }).eventId;
      const item = { eventId, value, record: record(topic, offset) };
      return prepared ? { ...item, value: sink.prepare!(item) } : item;
    }),
  };
}

const config = (extra: Record<string, unknown> = {}) =>
  parseSearchSinkConfig({ flavour: 'elasticsearch', nodes: ['http://127.0.0.1:9200'], ...extra });

describe('search sink prepare hook', () => {
  it.each(['data-stream', 'daily-indices'] as const)(
    '%s: request bodies from prepared entries are byte for byte those of decoded values, for every shape',
    async (layout) => {
      for (const [topic, values] of [['make.logs.enriched.v1', logs] as const, ...others]) {
        const bodies: string[][] = [];
        for (const prepared of [false, true]) {
          const { client, bodies: sent } = fakeClient();
          const sink = createSearchSink(config({ layout, topics: [topic], maxRequestBytes: 3000 }), { client });
          expect(await sink.write(batchOf(sink, topic, values, prepared))).toEqual({ failures: [] });
          bodies.push(sent);
        }
        expect(bodies[1]).toEqual(bodies[0]);
        expect(bodies[0]!.join('').split('\n').length - 1).toBe(2 * values.length);
      }
    },
  );

  it('reports failed prepared items with the messages of decoded ones, and a retry re-sends exactly their entries', async () => {
    const answer = (call: number, docs: number): BulkResponseBody =>
      call === 1
        ? {
            errors: true,
            items: Array.from({ length: docs }, (_, i) =>
              i === 1
                ? { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad long' } } }
                : i === 4
                  ? {
                      create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } },
                    }
                  : { create: { status: 201 } },
            ),
          }
        : { errors: false };
    const outcomes = [];
    for (const prepared of [false, true]) {
      const { client, bodies } = fakeClient(answer);
      const sink = createSearchSink(config({ layout: 'daily-indices' }), { client });
      const batch = batchOf(sink, 'make.logs.enriched.v1', logs, prepared);
      const result = await sink.write(batch);
      // The runtime's retry: only the item that failed with a retriable error.
      const retry = { ...batch, items: [batch.items[4]!], dedupToken: `${batch.dedupToken}/1:x` };
      expect(await sink.write(retry)).toEqual({ failures: [] });
      const entries = bodies[0]!.split('\n');
      expect(bodies[1]).toBe(`${entries[8]}\n${entries[9]}\n`);
      outcomes.push({
        failures: result.failures.map((f) => [f.index, f.error.retriable, f.error.message]),
        bodies,
      });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[0]!.failures.map(([index, retriable]) => [index, retriable])).toEqual([
      [1, false],
      [4, true],
    ]);
    expect(outcomes[0]!.failures[0]![2]).toMatch(/makestream-logs-make\.enriched-default-\d{4}\.\d\d\.\d\d refused/);
  });

  it('refuses a record that cannot become a document with the message write gives it', async () => {
    const { client } = fakeClient();
    const sink = createSearchSink(config(), { client });
    const bad = { ...logs[0]!, timestamp: Number.NaN };
    const decoded = await sink.write(batchOf(sink, 'make.logs.enriched.v1', [bad], false));
    expect(() => batchOf(sink, 'make.logs.enriched.v1', [bad], true)).toThrow(decoded.failures[0]!.error.message);
    // Nothing of the refused record stays: the next prepared entry is whole.
    const { client: next, bodies } = fakeClient();
    const fresh = createSearchSink(config(), { client: next });
    expect(() => fresh.prepare!({ eventId: 'x', value: bad, record: record('make.logs.enriched.v1', 0) })).toThrow();
    await fresh.write(batchOf(fresh, 'make.logs.enriched.v1', logs.slice(0, 2), true));
    const { client: reference, bodies: expected } = fakeClient();
    await createSearchSink(config(), { client: reference }).write(
      batchOf(fresh, 'make.logs.enriched.v1', logs.slice(0, 2), false),
    );
    expect(bodies).toEqual(expected);
  });
});
