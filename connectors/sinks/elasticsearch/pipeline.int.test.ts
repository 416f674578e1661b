/**
 * The connector under the real sink runtime (`startSink`): Avro records in the embedded log, a
 * poison record among them, OpenSearch (daily indices) behind. Afterwards the store holds each
 * good event once, the poison record alone is in the sink's DLQ, and a replay of the whole topic
 * by a second group adds nothing (409s).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import { bindTopic } from '../../../pipeline/serde/index.js';
import { startSink } from '../../../pipeline/sink/index.js';
import { readAll, sinkTestBed, waitFor, type SinkTestBed } from '../../../pipeline/sink/testing/harness.js';
import { deadLetterTopic } from '../../../pipeline/topics.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { createSearchClient } from './client.js';
import { parseSearchSinkConfig, type SearchSinkConfig } from './config.js';
import { createSearchSink } from './connector.js';

const run = `${Date.now().toString(36)}${process.pid}`;
const topic = `it.search.logs.${run}`;
const GOOD = 100;
const POISON_AT = 57;

describe('search sink under the sink runtime (embedded log → OpenSearch)', () => {
  let bed: SinkTestBed;
  let url: string;
  const configOf = (name: string): SearchSinkConfig =>
    parseSearchSinkConfig({
      name,
      flavour: 'opensearch',
      nodes: [url],
      namespace: `it${run}`,
      prefix: `itpipe${run}`,
      topics: [{ topic, shape: 'enriched-log' }],
      replicas: 0,
    });
  const indexPattern = () => `itpipe${run}-logs-make.enriched-it${run}-*`;
  const count = async (): Promise<number> => {
    await fetch(`${url}/${indexPattern()}/_refresh`, { method: 'POST' });
    return ((await (await fetch(`${url}/${indexPattern()}/_count`)).json()) as { count: number }).count;
  };

  beforeAll(async () => {
    url = (await requireService('opensearch')).endpoints.url!;
    bed = sinkTestBed();
    await bed.log.createTopics([
      { name: topic, partitions: 2 },
      { name: deadLetterTopic(`it-pipe-${run}-a`).name, partitions: 1 },
      { name: deadLetterTopic(`it-pipe-${run}-b`).name, partitions: 1 },
    ]);
    const serde = await bindTopic(bed.serde, topic, 'enriched-log');
    const base = exampleEvents['com.makestream.v1.EnrichedLog'];
    const values: EnrichedLog[] = Array.from({ length: GOOD + 1 }, (_, i) => ({
      ...base,
      eventId: `${run}-${i}`,
      timestamp: base.timestamp + i * 60_000,
      scenarioId: 1000 + (i % 7),
      // 9.3e12 ms is 9.3e18 ns: out of range of event.duration (long), refused by the mapping.
      durationMs: i === POISON_AT ? 9_300_000_000_000 : 1000 + i,
    }));
    const producer = await bed.log.producer();
    await producer.send(
      topic,
      values.map((value) => ({
        key: String(value.scenarioId),
        value: serde.encode(value),
        timestamp: value.timestamp,
      })),
    );
    await producer.close();
  }, 30_000);

  afterAll(async () => {
    await bed?.close();
    const indices = Object.keys((await (await fetch(`${url}/${indexPattern()}/_settings`)).json()) as object);
    if (indices.length > 0) await fetch(`${url}/${indices.join(',')}`, { method: 'DELETE' });
    await fetch(`${url}/_index_template/itpipe${run}-daily-logs-make.enriched`, { method: 'DELETE' });
    for (const name of ['ecs-mappings', 'settings', 'make.enriched-mappings']) {
      await fetch(`${url}/_component_template/${encodeURIComponent(`itpipe${run}@${name}`)}`, { method: 'DELETE' });
    }
  });

  it('stores every good event once and dead-letters the poison record alone, also on a replay', async () => {
    for (const name of [`it-pipe-${run}-a`, `it-pipe-${run}-b`]) {
      const config = configOf(name);
      const sink = createSearchSink(config, { client: createSearchClient(config, {}) });
      const running = await startSink(sink, {
        log: bed.log,
        serde: bed.serde,
        batch: { maxRecords: 20, lingerMs: 50 },
        retry: { initialMs: 5, maxMs: 20, itemMaxAttempts: 3 },
      });
      await waitFor(() => running.stats().written + running.stats().deadLettered === GOOD + 1, 'all records', 60_000);
      await running.stop();
      expect(running.stats()).toMatchObject({ written: GOOD, deadLettered: 1 });
      expect(await count()).toBe(GOOD);
      const dead = await readAll(bed.log, deadLetterTopic(name).name, 1);
      expect(dead).toHaveLength(1);
    }
  }, 120_000);
});
