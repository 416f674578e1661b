import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client } from '@elastic/elasticsearch';
import { requireService } from '../support/services.js';

// The embedded node has no `_data_stream` API (see infra/local/services/elasticsearch.ts), so a data
// stream cannot be deleted: this one has a fixed name and every run only adds two small documents.
const DATA_STREAM = 'makestream-smoke-ds';

describe('elasticsearch (embedded 8.19 node) with @elastic/elasticsearch 8', () => {
  const run = `${Date.now()}-${process.pid}`;
  const index = `smoke-es-${run}`;
  let client: Client;

  beforeAll(async () => {
    const { endpoints } = await requireService('elasticsearch');
    client = new Client({ node: endpoints.url, requestTimeout: 30_000, maxRetries: 0 });
  });

  afterAll(async () => {
    if (!client) return;
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
  });

  it('passes the client product check and reports 8.x', async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\./);
    expect(await client.ping()).toBe(true);
  });

  it('bulk-creates documents with explicit ids, finds them, and refuses to create them twice', async () => {
    await client.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { run: { type: 'keyword' }, message: { type: 'text' }, n: { type: 'integer' } } },
    });
    const docs = [1, 2, 3].map((n) => ({ id: `doc-${n}`, doc: { run, message: `hello number ${n}`, n } }));
    const operations = docs.flatMap(({ id, doc }) => [{ create: { _index: index, _id: id } }, doc]);

    const first = await client.bulk({ operations, refresh: true });
    expect(first.errors).toBe(false);
    expect(first.items.map((item) => item.create?.status)).toEqual([201, 201, 201]);

    const found = await client.search<{ run: string; n: number }>({
      index,
      query: { bool: { filter: [{ term: { run } }], must: [{ match: { message: 'hello' } }] } },
      sort: [{ n: 'asc' }],
    });
    expect(found.hits.hits.map((hit) => hit._id)).toEqual(['doc-1', 'doc-2', 'doc-3']);
    expect(found.hits.hits.map((hit) => hit._source?.n)).toEqual([1, 2, 3]);

    // `create` never overwrites: the same ids again are per-item 409 conflicts.
    const again = await client.bulk({ operations, refresh: true });
    expect(again.errors).toBe(true);
    expect(again.items.map((item) => item.create?.status)).toEqual([409, 409, 409]);
  });

  it('auto-creates a data stream from an index template on bulk create', async () => {
    await client.indices.putIndexTemplate({
      name: DATA_STREAM,
      index_patterns: [`${DATA_STREAM}*`],
      data_stream: {},
      priority: 500,
      template: {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { properties: { run: { type: 'keyword' }, message: { type: 'text' } } },
      },
    });
    const timestamp = new Date().toISOString();
    const created = await client.bulk({
      refresh: true,
      operations: [
        { create: { _index: DATA_STREAM, _id: `${run}-a` } },
        { '@timestamp': timestamp, run, message: 'first' },
        { create: { _index: DATA_STREAM, _id: `${run}-b` } },
        { '@timestamp': timestamp, run, message: 'second' },
      ],
    });
    expect(created.errors).toBe(false);
    const found = await client.search({ index: DATA_STREAM, query: { term: { run } } });
    expect(found.hits.hits.map((hit) => hit._id).sort()).toEqual([`${run}-a`, `${run}-b`]);
    expect(found.hits.hits[0]?._index).toMatch(new RegExp(`^\\.ds-${DATA_STREAM}-`));
  });
});
