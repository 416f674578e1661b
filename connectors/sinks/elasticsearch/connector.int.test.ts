/**
 * The sink against the embedded search nodes of the local stack: Elasticsearch 8.19 with data
 * streams (its default) and with daily indices, OpenSearch 2.19 with daily indices (its default).
 *
 * The embedded Elasticsearch has no `_data_stream` REST API (module not on Maven Central), so its
 * data streams are checked through `_resolve/index` and can never be deleted: each run leaves its
 * `logs-make.enriched-it<run>` stream behind (a few KB). Daily-index runs use their own prefix
 * and delete their indices and templates afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../../test/support/services.js';
import type { SinkBatch, SinkConnector } from '../../../pipeline/sink/api.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { createSearchClient } from './client.js';
import { effectiveLayout, parseSearchSinkConfig, type SearchSinkConfig } from './config.js';
import { createSearchSink } from './connector.js';
import { datasets, searchTarget } from './datasets.js';
import { TEMPLATE_VERSION, componentNames, indexTemplateName } from './templates.js';

const run = `${Date.now().toString(36)}${process.pid}`;
const DAY = 86_400_000;
const topic = 'make.logs.enriched.v1';
const baseLog = exampleEvents['com.makestream.v1.EnrichedLog'];

/** Distinct logs over three event days. */
const logs = (from: number, count: number, overrides: Partial<EnrichedLog> = {}): EnrichedLog[] =>
  Array.from({ length: count }, (_, i) => ({
    ...baseLog,
    eventId: `${run}-log-${from + i}`,
    timestamp: baseLog.timestamp + ((from + i) % 3) * DAY + i,
    ...overrides,
  }));

const batchOf = (values: readonly EnrichedLog[]): SinkBatch => ({
  topic,
  dedupToken: `${topic}/0/${values[0]?.eventId}`,
  items: values.map((value, offset) => ({
    eventId: value.eventId,
    value,
    record: { topic, partition: 0, offset, key: null, value: null, headers: {}, timestamp: value.timestamp },
  })),
});

// Server answers are read ad hoc, path by path, as JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const cases = [
  { service: 'elasticsearch', flavour: 'elasticsearch', layout: undefined },
  { service: 'elasticsearch', flavour: 'elasticsearch', layout: 'daily-indices' },
  { service: 'opensearch', flavour: 'opensearch', layout: undefined },
] as const;

describe.each(cases)('search sink on $service (layout: $layout)', ({ service, flavour, layout }) => {
  let url: string;
  let config: SearchSinkConfig;
  let sink: SinkConnector;
  let target: string;

  const count = async (): Promise<number> => {
    await http(url, 'POST', `/${target}/_refresh`);
    return (await http(url, 'GET', `/${target}/_count`)).json.count as number;
  };
  const concreteIndices = async (): Promise<string[]> =>
    Object.keys((await http(url, 'GET', `/${target}/_settings`)).json);

  beforeAll(async () => {
    url = (await requireService(service)).endpoints.url!;
    config = parseSearchSinkConfig({
      flavour,
      nodes: [url],
      ...(layout ? { layout } : {}),
      namespace: `it${run}`,
      // Data stream templates match `logs-make.enriched-*` whatever the prefix: share the default one.
      prefix: effectiveLayout({ flavour, layout } as SearchSinkConfig) === 'data-stream' ? 'makestream' : `it${run}`,
      topics: [topic],
      replicas: 0,
      // 300-event batches go out as three requests: the pipelined path meets the real servers.
      maxRequestDocs: 120,
    });
    target = searchTarget(datasets['enriched-log'], { ...config, layout: effectiveLayout(config) });
    sink = createSearchSink(config, { client: createSearchClient(config, {}) });
  }, 30_000);

  afterAll(async () => {
    await sink?.close();
    if (!config || effectiveLayout(config) === 'data-stream') return;
    const indices = await concreteIndices();
    if (indices.length > 0) await http(url, 'DELETE', `/${indices.join(',')}`);
    const naming = { ...config, layout: effectiveLayout(config) };
    await http(url, 'DELETE', `/_index_template/${indexTemplateName(datasets['enriched-log'], naming)}`);
    for (const name of [
      componentNames.ecs(config.prefix),
      componentNames.settings(config.prefix),
      componentNames.dataset(config.prefix, datasets['enriched-log']),
    ]) {
      await http(url, 'DELETE', `/_component_template/${encodeURIComponent(name)}`);
    }
  });

  it('installs its templates, and installing them again changes nothing', async () => {
    const naming = { ...config, layout: effectiveLayout(config) };
    const name = indexTemplateName(datasets['enriched-log'], naming);
    await sink.start();
    const first = await http(url, 'GET', `/_index_template/${name}`);
    await sink.start();
    const second = await http(url, 'GET', `/_index_template/${name}`);
    expect(second).toEqual(first);
    expect(first.json.index_templates[0].index_template).toMatchObject({
      version: TEMPLATE_VERSION,
      _meta: { managed_by: 'makestream' },
      composed_of: [
        componentNames.settings(config.prefix),
        componentNames.ecs(config.prefix),
        componentNames.dataset(config.prefix, datasets['enriched-log']),
      ],
    });
    const component = await http(
      url,
      'GET',
      `/_component_template/${encodeURIComponent(componentNames.ecs(config.prefix))}`,
    );
    expect(String(component.json.component_templates[0].component_template.template.mappings.dynamic)).toBe('false');
  });

  it('writes a batch and the store counts exactly its events, each findable by event.id', async () => {
    expect(await sink.write(batchOf(logs(0, 300)))).toEqual({ failures: [] });
    expect(await count()).toBe(300);
    const hit = await http(url, 'POST', `/${target}/_search`, { query: { term: { 'event.id': `${run}-log-7` } } });
    expect(hit.json.hits.total.value).toBe(1);
    expect(hit.json.hits.hits[0]._id).toBe(`${run}-log-7`);
    expect(hit.json.hits.hits[0]._source).toMatchObject({
      log: { level: 'error' },
      event: { dataset: 'make.execution' },
    });
    if (effectiveLayout(config) === 'data-stream') {
      const resolved = await http(url, 'GET', `/_resolve/index/${target}`);
      expect(resolved.json.data_streams).toEqual([
        expect.objectContaining({ name: target, timestamp_field: '@timestamp' }),
      ]);
    } else {
      // One daily index per event date, all under the read alias.
      expect((await concreteIndices()).sort()).toEqual(
        [0, 1, 2].map(
          (day) =>
            `${config.prefix}-logs-make.enriched-it${run}-${new Date(baseLog.timestamp + day * DAY).toISOString().slice(0, 10).replaceAll('-', '.')}`,
        ),
      );
      const alias = `${config.prefix}-logs-make.enriched`;
      expect((await http(url, 'GET', `/${alias}/_count`)).json.count).toBe(300);
    }
  });

  it('a re-sent batch leaves one copy of each event (409s count as delivered)', async () => {
    expect(await sink.write(batchOf(logs(0, 300)))).toEqual({ failures: [] });
    expect(await sink.write(batchOf(logs(250, 100)))).toEqual({ failures: [] });
    expect(await count()).toBe(350);
  });

  it('a document the mapping refuses fails alone, as permanent', async () => {
    const values = logs(1000, 5);
    // 9.3e12 ms is 9.3e18 ns: out of range of event.duration (long).
    values[2] = { ...values[2]!, durationMs: 9_300_000_000_000 };
    const result = await sink.write(batchOf(values));
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.index).toBe(2);
    expect(result.failures[0]!.error.retriable).toBe(false);
    expect(result.failures[0]!.error.message).toMatch(/event\.duration/);
    expect(await count()).toBe(354);
  });

  it('items refused by a write block are retriable, and go through once the block is lifted', async () => {
    const indices = (await concreteIndices()).join(',');
    await http(url, 'PUT', `/${indices}/_settings`, { 'index.blocks.write': true });
    try {
      const values = logs(0, 3).map((value, i) => ({ ...value, eventId: `${run}-blocked-${i}` }));
      const blocked = await sink.write(batchOf(values));
      expect(blocked.failures.map((failure) => [failure.index, failure.error.retriable])).toEqual([
        [0, true],
        [1, true],
        [2, true],
      ]);
      expect(blocked.failures[0]!.error.message).toMatch(/cluster_block_exception/);
      await http(url, 'PUT', `/${indices}/_settings`, { 'index.blocks.write': null });
      expect(await sink.write(batchOf(values))).toEqual({ failures: [] });
      expect(await count()).toBe(357);
    } finally {
      await http(url, 'PUT', `/${indices}/_settings`, { 'index.blocks.write': null });
    }
  });

  it('reports the cluster healthy', async () => {
    expect(await sink.health()).toMatchObject({ healthy: true });
  });
});
