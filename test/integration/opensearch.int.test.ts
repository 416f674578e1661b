import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import { requireService } from '../support/services.js';

interface SmokeDoc {
  readonly run: string;
  readonly message: string;
  readonly n: number;
}

describe('opensearch (embedded 2.19 node) with @opensearch-project/opensearch', () => {
  const run = `${Date.now()}-${process.pid}`;
  const index = `smoke-os-${run}`;
  const dataStream = `smoke-os-ds-${run}`;
  let client: Client;

  beforeAll(async () => {
    const { endpoints } = await requireService('opensearch');
    client = new Client({ node: endpoints.url, requestTimeout: 30_000, maxRetries: 0 });
  });

  afterAll(async () => {
    if (!client) return;
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.indices.deleteDataStream({ name: dataStream }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: dataStream }).catch(() => undefined);
    await client.close();
  });

  it('reports OpenSearch 2.x', async () => {
    const { body } = await client.info();
    expect(body.version.distribution).toBe('opensearch');
    expect(body.version.number).toMatch(/^2\./);
  });

  it('bulk-creates documents with explicit ids, finds them, and refuses to create them twice', async () => {
    await client.indices.create({
      index,
      body: {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { properties: { run: { type: 'keyword' }, message: { type: 'text' }, n: { type: 'integer' } } },
      },
    });
    const docs = [1, 2, 3].map((n) => ({ id: `doc-${n}`, doc: { run, message: `hello number ${n}`, n } }));
    const body = docs.flatMap(({ id, doc }) => [{ create: { _index: index, _id: id } }, doc]);

    const first = await client.bulk({ body, refresh: true });
    expect(first.body.errors).toBe(false);
    expect(first.body.items.map((item) => item.create?.status)).toEqual([201, 201, 201]);

    const found = await client.search({
      index,
      body: {
        query: { bool: { filter: [{ term: { run } }], must: [{ match: { message: 'hello' } }] } },
        sort: [{ n: 'asc' }],
      },
    });
    expect(found.body.hits.hits.map((hit) => hit._id)).toEqual(['doc-1', 'doc-2', 'doc-3']);
    expect(found.body.hits.hits.map((hit) => (hit._source as SmokeDoc | undefined)?.n)).toEqual([1, 2, 3]);

    // `create` never overwrites: the same ids again are per-item 409 conflicts.
    const again = await client.bulk({ body, refresh: true });
    expect(again.body.errors).toBe(true);
    expect(again.body.items.map((item) => item.create?.status)).toEqual([409, 409, 409]);
  });

  it('auto-creates a data stream from an index template on bulk create', async () => {
    await client.indices.putIndexTemplate({
      name: dataStream,
      body: {
        index_patterns: [dataStream],
        data_stream: {},
        priority: 500,
        template: { settings: { number_of_shards: 1, number_of_replicas: 0 } },
      },
    });
    const timestamp = new Date().toISOString();
    const created = await client.bulk({
      refresh: true,
      body: [
        { create: { _index: dataStream, _id: 'a' } },
        { '@timestamp': timestamp, run, message: 'first' },
        { create: { _index: dataStream, _id: 'b' } },
        { '@timestamp': timestamp, run, message: 'second' },
      ],
    });
    expect(created.body.errors).toBe(false);
    const streams = await client.indices.getDataStream({ name: dataStream });
    expect(streams.body.data_streams.map((s) => s.name)).toEqual([dataStream]);
    const count = await client.count({ index: dataStream });
    expect(count.body.count).toBe(2);
  });
});
