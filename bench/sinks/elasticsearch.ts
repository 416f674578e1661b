/**
 * Documents/s into Elasticsearch and OpenSearch through the search sink connector
 * (`connectors/sinks/elasticsearch`: ECS mapping, NDJSON serialisation, the official client,
 * per-item classification) against a raw `_bulk` POST (Node fetch, keep-alive) of the same
 * documents, pre-serialised before the clock starts, in the same run. Target: connector ≥ 80 % of
 * raw.
 *
 *   npx tsx infra/local/cli.ts up elasticsearch opensearch   # no-op when running
 *   node --import tsx bench/sinks/elasticsearch.ts [--docs 20000] [--batch 1000] [--repeat 3]
 *        [--servers elasticsearch,opensearch] [--layout daily-indices|data-stream] [--request-docs 500]
 *
 * Both cases write the same documents, one bulk request in flight at a time (the sink runtime
 * writes one batch per sink at a time), `create` with the event id as `_id`, each round into fresh
 * indices, interleaved batch by batch (so both meet the same load on a shared machine); counts are
 * checked after every round. Rows report the fastest round (least disturbed on
 * a shared machine) and the median. Indices and templates are deleted at the end. The default
 * layout is daily indices on both servers because the embedded Elasticsearch cannot delete data
 * streams (no `_data_stream` API); `--layout data-stream` measures data streams and leaves them.
 */
import { parseArgs } from 'node:util';
import { createSearchClient } from '../../connectors/sinks/elasticsearch/client.js';
import {
  effectiveLayout,
  parseSearchSinkConfig,
  type SearchSinkConfig,
} from '../../connectors/sinks/elasticsearch/config.js';
import { createSearchSink } from '../../connectors/sinks/elasticsearch/connector.js';
import { datasets, searchTarget, targetOf } from '../../connectors/sinks/elasticsearch/datasets.js';
import { buildDocument } from '../../connectors/sinks/elasticsearch/documents.js';
import { createEntry } from '../../connectors/sinks/elasticsearch/bulk.js';
import { componentNames, indexTemplateName } from '../../connectors/sinks/elasticsearch/templates.js';
import type { SinkBatch } from '../../pipeline/sink/api.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';

const { values: flags } = parseArgs({
  options: {
    docs: { type: 'string', default: process.env.BENCH_DOCS ?? '20000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '1000' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    servers: { type: 'string', default: process.env.BENCH_SERVERS ?? 'elasticsearch,opensearch' },
    layout: { type: 'string', default: process.env.BENCH_LAYOUT ?? 'daily-indices' },
    'request-docs': { type: 'string', default: process.env.BENCH_REQUEST_DOCS ?? '500' },
  },
});
const docs = Number(flags.docs);
const batchSize = Number(flags.batch);
const repeat = Number(flags.repeat);
const layout = flags.layout as 'daily-indices' | 'data-stream';
const urls = { elasticsearch: 'http://127.0.0.1:19200', opensearch: 'http://127.0.0.1:19201' } as const;
const run = Date.now().toString(36);
const topic = 'make.logs.enriched.v1';

/** Distinct enriched logs within one event day (one daily index), ~1 KB as documents. */
function makeLogs(round: string): EnrichedLog[] {
  const base = exampleEvents['com.makestream.v1.EnrichedLog'];
  return Array.from({ length: docs }, (_, i) => ({
    ...base,
    eventId: `${round}-${i}`,
    timestamp: base.timestamp + i,
    scenarioId: 1000 + (i % 2000),
    executionId: `${round}${i.toString(16).padStart(24, '0')}`,
    message: `${base.message} #${i}`,
  }));
}

const batches = (values: EnrichedLog[]): SinkBatch[] => {
  const out: SinkBatch[] = [];
  for (let start = 0; start < values.length; start += batchSize) {
    const slice = values.slice(start, start + batchSize);
    out.push({
      topic,
      dedupToken: `${topic}/0/${start}-${start + slice.length - 1}`,
      items: slice.map((value, i) => ({
        eventId: value.eventId,
        value,
        record: {
          topic,
          partition: 0,
          offset: start + i,
          key: null,
          value: null,
          headers: {},
          timestamp: value.timestamp,
        },
      })),
    });
  }
  return out;
};

async function http(
  base: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': path.startsWith('/_bulk') ? 'application/x-ndjson' : 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, text: await response.text() };
}

async function countOf(url: string, target: string): Promise<number> {
  await http(url, 'POST', `/${target}/_refresh`);
  return (JSON.parse((await http(url, 'GET', `/${target}/_count`)).text) as { count: number }).count;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function benchServer(
  server: keyof typeof urls,
): Promise<{ connector: number[]; raw: number[]; cpu: { connector: number; raw: number } }> {
  const url = urls[server];
  const configFor = (namespace: string): SearchSinkConfig =>
    parseSearchSinkConfig({
      flavour: server,
      nodes: [url],
      layout,
      namespace,
      prefix: layout === 'data-stream' ? 'makestream' : `bench${run}`,
      topics: [topic],
      replicas: 0,
      maxRequestDocs: Number(flags['request-docs']),
    });
  const rates = { connector: [] as number[], raw: [] as number[] };
  const cpuPerDoc = { connector: [] as number[], raw: [] as number[] };
  const cleanup: string[] = [];

  // Warm-up: templates, JIT, connections.
  const warm = configFor(`bench${run}warm`);
  const warmSink = createSearchSink(warm, { client: createSearchClient(warm, {}) });
  await warmSink.start();
  for (const batch of batches(makeLogs(`${run}w`)).slice(0, 3)) await warmSink.write(batch);
  await warmSink.close();
  cleanup.push(searchTarget(datasets['enriched-log'], { ...warm, layout }));

  for (let round = 0; round < repeat; round += 1) {
    const cases = (['connector', 'raw'] as const).map((kind) => {
      const config = configFor(`bench${run}${kind}${round}`);
      cleanup.push(searchTarget(datasets['enriched-log'], { ...config, layout }));
      return { kind, config, work: batches(makeLogs(`${run}${kind}${round}`)), seconds: 0, cpuMicros: 0 };
    });
    const [connectorCase, rawCase] = cases as [(typeof cases)[0], (typeof cases)[0]];
    // A primer document creates each index (and applies the template) before the clock starts.
    for (const { kind, config } of cases) {
      const primer = createSearchSink(config, { client: createSearchClient(config, {}) });
      await primer.write(batches(makeLogs(`${run}${kind}${round}primer`).slice(0, 1))[0]!);
      await primer.close();
    }
    // The raw case's NDJSON bodies, serialised before any clock starts.
    const naming = { ...rawCase.config, layout: effectiveLayout(rawCase.config) };
    const bodies = rawCase.work.map(
      (batch) =>
        batch.items
          .map((item, index) => {
            const document = buildDocument('enriched-log', item.value);
            const target = targetOf(datasets['enriched-log'], naming, document.eventTimeMs);
            return createEntry(index, target, item.eventId, document.source).lines;
          })
          .join('\n') + '\n',
    );
    const sink = createSearchSink(connectorCase.config, { client: createSearchClient(connectorCase.config, {}) });
    const timed = async (into: (typeof cases)[0], operation: () => Promise<void>): Promise<void> => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await operation();
      into.seconds += (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      into.cpuMicros += used.user + used.system;
    };
    // Batch by batch, alternating which case goes first: on a shared machine both cases meet the
    // same load, instead of one case getting a quiet minute and the other a busy one.
    for (let i = 0; i < bodies.length; i += 1) {
      const connectorBatch = async () => {
        const result = await sink.write(connectorCase.work[i]!);
        if (result.failures.length > 0) throw new Error(`connector: ${result.failures[0]!.error.message}`);
      };
      const rawBatch = async () => {
        const response = await http(url, 'POST', '/_bulk', bodies[i]);
        const parsed = JSON.parse(response.text) as { errors?: boolean };
        if (response.status !== 200 || parsed.errors !== false)
          throw new Error(`raw _bulk: ${response.text.slice(0, 300)}`);
      };
      if (i % 2 === 0) {
        await timed(connectorCase, connectorBatch);
        await timed(rawCase, rawBatch);
      } else {
        await timed(rawCase, rawBatch);
        await timed(connectorCase, connectorBatch);
      }
    }
    await sink.close();
    for (const { kind, config, seconds, cpuMicros } of cases) {
      const stored = await countOf(url, searchTarget(datasets['enriched-log'], { ...config, layout }));
      if (stored !== docs + 1)
        throw new Error(`${server} ${kind}: ${stored} documents stored, expected ${docs} + 1 primer`);
      rates[kind].push(docs / seconds);
      cpuPerDoc[kind].push(cpuMicros / docs);
      process.stderr.write(
        `${server} round ${round + 1} ${kind}: ${Math.round(docs / seconds)} docs/s, client ${(cpuMicros / docs).toFixed(1)} µs CPU/doc\n`,
      );
    }
  }

  if (layout === 'daily-indices') {
    for (const target of cleanup) {
      const indices = Object.keys(JSON.parse((await http(url, 'GET', `/${target}/_settings`)).text) as object);
      if (indices.length > 0) await http(url, 'DELETE', `/${indices.join(',')}`);
    }
    const naming = { ...warm, layout };
    await http(url, 'DELETE', `/_index_template/${indexTemplateName(datasets['enriched-log'], naming)}`);
    for (const name of [
      componentNames.ecs(warm.prefix),
      componentNames.settings(warm.prefix),
      componentNames.dataset(warm.prefix, datasets['enriched-log']),
    ]) {
      await http(url, 'DELETE', `/_component_template/${encodeURIComponent(name)}`);
    }
  }
  return { ...rates, cpu: { connector: median(cpuPerDoc.connector), raw: median(cpuPerDoc.raw) } };
}

const rows: string[] = [];
for (const server of flags.servers.split(',') as (keyof typeof urls)[]) {
  const { connector, raw, cpu } = await benchServer(server);
  const best = { connector: Math.max(...connector), raw: Math.max(...raw) };
  rows.push(
    `${server.padEnd(14)} ${String(Math.round(best.raw)).padStart(9)} ${String(Math.round(median(raw))).padStart(9)}` +
      ` ${String(Math.round(best.connector)).padStart(11)} ${String(Math.round(median(connector))).padStart(11)}` +
      ` ${((best.connector / best.raw) * 100).toFixed(0).padStart(5)}% ${((median(connector) / median(raw)) * 100).toFixed(0).padStart(5)}%` +
      ` ${cpu.raw.toFixed(1).padStart(8)} ${cpu.connector.toFixed(1).padStart(8)}`,
  );
}
console.log(
  `\n${docs} EnrichedLog documents, batches of ${batchSize} (connector requests of ${flags['request-docs']}), ${repeat} rounds, layout ${layout}`,
);
console.log('server           raw best   raw med  conn. best   conn. med  ratio best/med   µs CPU/doc raw/conn.');
for (const row of rows) console.log(row);
