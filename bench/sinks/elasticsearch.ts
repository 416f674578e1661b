/**
 * Documents/s into Elasticsearch and OpenSearch through the search sink against the store's own
 * bulk loader (a raw `_bulk` POST, Node fetch, keep-alive) of the same documents, in the same run.
 * Target (issue #6): the sink ≥ 80 % of the bulk loader. Three cases per round and server:
 *
 * - `startSink` (the issue's figure: "rows/s from a pre-filled topic"): EnrichedLogs pre-filled as
 *   Avro into an embedded-log topic (`--partitions`, default 1) and delivered by the sink runtime
 *   (poll, decode, batch, the connector's write, commit) until every offset is committed. It
 *   includes reading and decoding the topic; the template installation is done before the clock.
 * - `startSink, no-op connector`: the same topic through the runtime into a connector that stores
 *   nothing: the runtime's own ceiling (its row's ratio is against the same raw run).
 * - `write()`: the connector alone, given decoded batches (ECS mapping, JSON text, `_bulk` requests,
 *   per-item classification): what the connector itself costs.
 * - `raw` (the baseline): the exact request bodies the connector sends for those records (captured
 *   from the connector with a recording client before any clock starts, so byte for byte the same
 *   documents, chunks and `filter_path`), POSTed with the same number of requests in flight
 *   (`--raw-in-flight 1` makes it `curl` in a loop, one request at a time).
 *   The baseline does no JS work per document: it only sends bytes and checks `errors: false`.
 *
 * `write()` and `raw` alternate batch by batch (both meet the same load on a shared machine);
 * `startSink` and a second, whole `raw` run of its documents alternate which goes first per round.
 * Every case writes into fresh daily indices of its own namespace (one primer document creates
 * each index before the clock starts); counts are checked after every case. Rows report the median
 * round and the median of the per-round ratios; CPU µs/doc is this process (user + system).
 * Indices and templates are deleted at the end.
 *
 *   npx tsx infra/local/cli.ts up elasticsearch opensearch   # no-op when running
 *   node --import tsx bench/sinks/elasticsearch.ts [--docs 20000] [--batch 1000] [--repeat 3]
 *        [--servers elasticsearch,opensearch] [--request-docs 500] [--in-flight 2] [--partitions 1]
 *        [--raw-in-flight <as --in-flight>] [--in-flight-batches <section default, 2>] [--poll <runtime default>] [--prepare on|off]
 *   (profile of the startSink cases alone: … --profile /tmp/prof-es; then npx tsx bench/log/profile-summary.ts <file>)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSearchClient, type SearchClient } from '../../connectors/sinks/elasticsearch/client.js';
import {
  effectiveLayout,
  parseSearchSinkConfig,
  type SearchSinkConfig,
} from '../../connectors/sinks/elasticsearch/config.js';
import { createSearchSink } from '../../connectors/sinks/elasticsearch/connector.js';
import { datasets, searchTarget, type Naming } from '../../connectors/sinks/elasticsearch/datasets.js';
import { BULK_FILTER_PATH } from '../../connectors/sinks/elasticsearch/bulk.js';
import { componentNames, indexTemplateName } from '../../connectors/sinks/elasticsearch/templates.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { allWritten, sinkGroup, type SinkBatch, type SinkConnector } from '../../pipeline/sink/api.js';
import { startSink } from '../../pipeline/sink/index.js';
import Database from '../../pipeline/sqlite.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';
import { profiled } from '../log/profiler.js';
import { watchCommits } from './committed.js';

const { values: flags } = parseArgs({
  options: {
    'in-flight-batches': { type: 'string', default: process.env.BENCH_IN_FLIGHT_BATCHES },
    // Records per poll of startSink: the runtime's default (what `makestream run` uses) unless given.
    poll: { type: 'string', default: process.env.BENCH_POLL },
    docs: { type: 'string', default: process.env.BENCH_DOCS ?? '20000' },
    batch: { type: 'string', default: process.env.BENCH_BATCH ?? '1000' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    servers: { type: 'string', default: process.env.BENCH_SERVERS ?? 'elasticsearch,opensearch' },
    'request-docs': { type: 'string', default: process.env.BENCH_REQUEST_DOCS ?? '500' },
    'in-flight': { type: 'string', default: process.env.BENCH_IN_FLIGHT ?? '2' },
    partitions: { type: 'string', default: process.env.BENCH_PARTITIONS ?? '1' },
    'raw-in-flight': { type: 'string', default: process.env.BENCH_RAW_IN_FLIGHT },

    // startSink with the connector's prepare hook (`on`: prepareOnDecode) or without it (the default).
    prepare: { type: 'string', default: process.env.BENCH_PREPARE ?? 'off' },
    // A V8 CPU profile of each round's startSink cases alone (DIR/<server>-<case>-<round>.cpuprofile).
    profile: { type: 'string', default: process.env.BENCH_PROFILE },
    // Per round, this process's CPU per document split by thread (Linux /proc/self/task; `on`).
    threads: { type: 'string', default: process.env.BENCH_THREADS ?? 'off' },
  },
});
const docs = Number(flags.docs);
const batchSize = Number(flags.batch);
const repeat = Number(flags.repeat);
const inFlight = Number(flags['in-flight']);
/** Requests the baseline keeps in flight: by default as many as the sink (1: `curl` in a loop). */
const rawInFlight = Number(flags['raw-in-flight'] ?? inFlight);
const partitions = Number(flags.partitions);
const urls = { elasticsearch: 'http://127.0.0.1:19200', opensearch: 'http://127.0.0.1:19201' } as const;
const run = Date.now().toString(36);
const topic = 'make.logs.enriched.v1';
type Server = keyof typeof urls;
const naming = (config: SearchSinkConfig): Naming => ({ ...config, layout: effectiveLayout(config) });

/** Distinct enriched logs within one event day (one daily index), ~1 KB as documents. */
function makeLogs(round: string, count = docs): EnrichedLog[] {
  const base = exampleEvents['com.makestream.v1.EnrichedLog'];
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    eventId: `${round}-${i}`,
    timestamp: base.timestamp + i,
    scenarioId: 1000 + (i % 2000),
    executionId: `${round}${i.toString(16).padStart(24, '0')}`,
    message: `${base.message} #${i}`,
  }));
}

function batches(values: EnrichedLog[]): SinkBatch[] {
  const out: SinkBatch[] = [];
  for (let start = 0; start < values.length; start += batchSize) {
    const slice = values.slice(start, start + batchSize);
    out.push({
      topic,
      dedupToken: `${topic}/0/${start}-${start + slice.length - 1}`,
      items: slice.map((value, i) => ({
        eventId: value.eventId,
        value,
        record: { topic, partition: 0, offset: start + i, key: null, value: null, headers: {}, timestamp: 0 },
      })),
    });
  }
  return out;
}

async function http(base: string, method: string, path: string, body?: string | Buffer): Promise<string> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': path.includes('_bulk') ? 'application/x-ndjson' : 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  return response.text();
}

async function countOf(url: string, target: string): Promise<number> {
  await http(url, 'POST', `/${target}/_refresh`);
  return (JSON.parse(await http(url, 'GET', `/${target}/_count`)) as { count: number }).count;
}

/** The `_bulk` bodies the connector sends for `work`, one list per batch, recorded without a server. */
async function capturedBodies(config: SearchSinkConfig, work: SinkBatch[]): Promise<Buffer[][]> {
  let current: Buffer[] = [];
  const recorder: SearchClient = {
    bulk: async (body) => (current.push(body), { errors: false }),
    putComponentTemplate: async () => undefined,
    putIndexTemplate: async () => undefined,
    clusterStatus: async () => 'green',
    close: async () => undefined,
  };
  const sink = createSearchSink(config, { client: recorder });
  const out: Buffer[][] = [];
  for (const batch of work) {
    current = [];
    await sink.write(batch);
    out.push(current);
  }
  return out;
}

/** The bulk loader: POSTs prebuilt bodies, `rawInFlight` at once, and checks each answer. */
async function postBodies(url: string, bodies: readonly Buffer[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(rawInFlight, bodies.length) }, async () => {
      while (next < bodies.length) {
        const text = await http(url, 'POST', `/_bulk?filter_path=${BULK_FILTER_PATH}`, bodies[next++]);
        if (!text.startsWith('{"errors":false')) throw new Error(`raw _bulk: ${text.slice(0, 300)}`);
      }
    }),
  );
}

interface Measure {
  seconds: number;
  cpuMicros: number;
  /** CPU the search server's process used meanwhile (µs; NaN when its pid is unknown). */
  serverMicros: number;
}
const measure = (): Measure => ({ seconds: 0, cpuMicros: 0, serverMicros: 0 });
/** The pid of the local stack's server (`.stack/<server>/pid`), to read its CPU time; undefined when not there. */
function serverPid(server: Server): number | undefined {
  try {
    const pid = Number(readFileSync(join('.stack', server, 'pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
/** user + system CPU of process `pid` so far, in µs (from /proc, 10 ms resolution); NaN when unreadable. */
function processCpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, in ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}
/**
 * CPU µs of each thread of this process so far, by thread name (`comm`; the main thread marked; V8's
 * GC and compiler helpers are all `node`: `BENCH_THREAD_IDS=1` splits them by id). Empty off Linux.
 */
function threadCpuMicros(): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name =
        task === String(process.pid) ? `${comm} (main)` : process.env.BENCH_THREAD_IDS ? `${comm}#${task}` : comm;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
      out.set(name, (out.get(name) ?? 0) + micros);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}
/** CPU µs per thread name during each case (`--threads on`). */
const threadMicros = new Map<string, Map<string, number>>();
let currentServerPid: number | undefined;
async function timed(into: Measure, operation: () => Promise<void>, caseName?: string): Promise<void> {
  const threadsBefore = flags.threads === 'on' && caseName ? threadCpuMicros() : undefined;
  const cpu = process.cpuUsage();
  const serverBefore = processCpuMicros(currentServerPid);
  const started = performance.now();
  await operation();
  into.seconds += (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  into.cpuMicros += used.user + used.system;
  into.serverMicros += processCpuMicros(currentServerPid) - serverBefore;
  if (threadsBefore && caseName) {
    const byThread = threadMicros.get(caseName) ?? new Map<string, number>();
    for (const [thread, micros] of threadCpuMicros()) {
      byThread.set(thread, (byThread.get(thread) ?? 0) + micros - (threadsBefore.get(thread) ?? 0));
    }
    threadMicros.set(caseName, byThread);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const caseNames = [
  'startSink',
  'raw (startSink docs)',
  'write()',
  'raw (write() docs)',
  'startSink, no-op connector',
] as const;
type CaseName = (typeof caseNames)[number];

async function benchServer(server: Server, directory: string) {
  const url = urls[server];
  currentServerPid = serverPid(server);
  const configFor = (namespace: string, name = `bench-${server}`): SearchSinkConfig =>
    parseSearchSinkConfig({
      name,
      flavour: server,
      nodes: [url],
      layout: 'daily-indices',
      namespace,
      prefix: `bench${run}`,
      topics: [topic],
      replicas: 0,
      maxRequestDocs: Number(flags['request-docs']),
      maxRequestsInFlight: inFlight,
    });
  const rates = Object.fromEntries(caseNames.map((name) => [name, [] as number[]])) as Record<CaseName, number[]>;
  const cpu = Object.fromEntries(caseNames.map((name) => [name, [] as number[]])) as Record<CaseName, number[]>;
  const serverCpu = Object.fromEntries(caseNames.map((name) => [name, [] as number[]])) as Record<CaseName, number[]>;
  const cleanup: string[] = [];
  const namespaces = (round: number) => ({
    runtime: `bench${run}t${round}`,
    runtimeRaw: `bench${run}u${round}`,
    write: `bench${run}w${round}`,
    writeRaw: `bench${run}r${round}`,
  });

  // Warm-up (templates, JIT, connections) and one primer document per namespace to create each
  // index before any clock starts.
  const warm = configFor(`bench${run}warm`);
  const warmSink = createSearchSink(warm, { client: createSearchClient(warm, {}) });
  await warmSink.start();
  for (const batch of batches(makeLogs(`${run}w`)).slice(0, 3)) await warmSink.write(batch);
  cleanup.push(searchTarget(datasets['enriched-log'], naming(warm)));
  for (let round = 0; round < repeat; round += 1) {
    for (const namespace of Object.values(namespaces(round))) {
      const config = configFor(namespace);
      cleanup.push(searchTarget(datasets['enriched-log'], naming(config)));
      const primer = createSearchSink(config, { client: createSearchClient(config, {}) });
      await primer.write(batches(makeLogs(`${run}primer`, 1))[0]!);
      await primer.close();
    }
  }
  await warmSink.close();

  // The pre-filled topic of the startSink case (the same records every round, into fresh indices).
  const log = createEmbeddedLog({
    path: join(directory, `${server}.db`),
    synchronous: 'normal',
    maintenanceIntervalMs: 0,
  });
  const database = new Database(':memory:');
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
  const topicLogs = makeLogs(`${run}topic`);
  await log.createTopics([{ name: topic, partitions }]);
  const topicSerde = await bindTopic(serde, topic, 'enriched-log');
  const producer = await log.producer();
  for (let from = 0; from < topicLogs.length; from += 5000) {
    await producer.send(
      topic,
      topicLogs.slice(from, from + 5000).map((value, i) => ({
        key: String(value.scenarioId),
        value: topicSerde.encode(value),
        partition: (from + i) % partitions,
      })),
    );
  }
  await producer.close();
  const watch = watchCommits(log);

  try {
    for (let round = 0; round < repeat; round += 1) {
      const names = namespaces(round);
      const took = Object.fromEntries(caseNames.map((name) => [name, measure()])) as Record<CaseName, Measure>;

      // startSink against a whole raw run of the same records, alternating which goes first.
      const runtimeRawBodies = (await capturedBodies(configFor(names.runtimeRaw), batches(topicLogs))).flat();
      const runtimeConfig = configFor(names.runtime, `bench-${run}-${server}-${round}`);
      const runtimeSink = createSearchSink(runtimeConfig, { client: createSearchClient(runtimeConfig, {}) });
      const runtime: { running?: Awaited<ReturnType<typeof startSink>> } = {};
      // Timed from startSink until every offset is committed; stopping the sink is not timed.
      const throughRuntime = (connector: SinkConnector, caseId: string) => (): Promise<void> =>
        profiled(flags.profile, `${server}-${caseId}-${round}`, async () => {
          const running = await startSink(connector, {
            log: watch.log,
            serde,
            ...(flags.poll ? { pollMaxRecords: Number(flags.poll) } : {}),
            maxInFlightBatches: Number(flags['in-flight-batches'] ?? runtimeConfig.maxInFlightBatches),
            prepareOnDecode: flags.prepare === 'on',
            batch: { maxRecords: batchSize, maxBytes: 64 << 20, lingerMs: 20 },
          });
          runtime.running = running;
          // Told by the commits themselves (a timer loop waiting on stats() cost ~10 µs CPU per doc).
          await watch.whenCommitted(sinkGroup(connector.name), docs);
        });
      const runtimeCases: [CaseName, () => Promise<void>][] = [
        // Templates are installed; `--prepare on` sets prepareOnDecode (the A/B of the hook).
        ['startSink', throughRuntime({ ...runtimeSink, start: async () => undefined }, 'sink')],
        ['raw (startSink docs)', () => postBodies(url, runtimeRawBodies)],
      ];
      if (round % 2 === 1) runtimeCases.reverse();
      for (const [name, operation] of runtimeCases) await timed(took[name], operation, name);
      await runtime.running?.stop();
      // The runtime's own ceiling: the same topic to a connector that stores nothing.
      await timed(
        took['startSink, no-op connector'],
        throughRuntime(
          {
            ...runtimeSink,
            name: `${runtimeConfig.name}-noop`,
            start: async () => undefined,
            write: async () => allWritten,
            close: async () => undefined,
          },
          'noop',
        ),
        'startSink, no-op connector',
      );
      await runtime.running?.stop();

      // write() against raw, batch by batch, alternating which goes first.
      const roundLogs = makeLogs(`${run}${round}`);
      const work = batches(roundLogs);
      const writeRawBodies = await capturedBodies(configFor(names.writeRaw), work);
      const writeConfig = configFor(names.write);
      const sink = createSearchSink(writeConfig, { client: createSearchClient(writeConfig, {}) });
      for (let i = 0; i < work.length; i += 1) {
        const viaWrite = async (): Promise<void> => {
          const result = await sink.write(work[i]!);
          if (result.failures.length > 0) throw new Error(`connector: ${result.failures[0]!.error.message}`);
        };
        const viaRaw = () => postBodies(url, writeRawBodies[i]!);
        if (i % 2 === 0) {
          await timed(took['write()'], viaWrite);
          await timed(took['raw (write() docs)'], viaRaw);
        } else {
          await timed(took['raw (write() docs)'], viaRaw);
          await timed(took['write()'], viaWrite);
        }
      }
      await sink.close();

      const namespaceOf: Record<Exclude<CaseName, 'startSink, no-op connector'>, string> = {
        startSink: names.runtime,
        'raw (startSink docs)': names.runtimeRaw,
        'write()': names.write,
        'raw (write() docs)': names.writeRaw,
      };
      for (const name of caseNames) {
        serverCpu[name].push(took[name].serverMicros / docs);
        if (name === 'startSink, no-op connector') {
          rates[name].push(docs / took[name].seconds);
          cpu[name].push(took[name].cpuMicros / docs);
          continue;
        }
        const stored = await countOf(url, searchTarget(datasets['enriched-log'], naming(configFor(namespaceOf[name]))));
        if (stored !== docs + 1)
          throw new Error(`${server} ${name}: ${stored} documents stored, expected ${docs} + 1 primer`);
        rates[name].push(docs / took[name].seconds);
        cpu[name].push(took[name].cpuMicros / docs);
      }
      process.stderr.write(
        `${server} round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ` +
          caseNames
            .map(
              (name) =>
                `${name} ${Math.round(docs / took[name].seconds)}/s ${(took[name].cpuMicros / docs).toFixed(1)} µs ` +
                `(server ${(took[name].serverMicros / docs).toFixed(1)} µs)`,
            )
            .join(', ') +
          '\n',
      );
    }
  } finally {
    await log.close();
    database.close();
    for (const target of cleanup) {
      const indices = Object.keys(JSON.parse(await http(url, 'GET', `/${target}/_settings`)) as object);
      if (indices.length > 0) await http(url, 'DELETE', `/${indices.join(',')}`);
    }
    await http(url, 'DELETE', `/_index_template/${indexTemplateName(datasets['enriched-log'], naming(warm))}`);
    for (const name of [
      componentNames.ecs(warm.prefix),
      componentNames.settings(warm.prefix),
      componentNames.dataset(warm.prefix, datasets['enriched-log']),
    ]) {
      await http(url, 'DELETE', `/_component_template/${encodeURIComponent(name)}`);
    }
  }
  return { rates, cpu, serverCpu };
}

const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-es-'));
const loadBefore = loadavg()[0]!;
const rows: string[] = [];
const perRound = (a: number[], b: number[]) => median(a.map((rate, i) => rate / b[i]!));
try {
  for (const server of flags.servers.split(',') as Server[]) {
    const { rates, cpu, serverCpu } = await benchServer(server, directory);
    const row = (label: string, name: CaseName, baseline: CaseName) =>
      `${server.padEnd(14)} ${label.padEnd(11)} ${String(Math.round(median(rates[baseline]))).padStart(8)}` +
      ` ${String(Math.round(median(rates[name]))).padStart(8)} ${(perRound(rates[name], rates[baseline]) * 100).toFixed(0).padStart(6)} %` +
      `   ${median(cpu[baseline]).toFixed(1).padStart(6)} ${median(cpu[name]).toFixed(1).padStart(6)}` +
      `   ${median(serverCpu[baseline]).toFixed(1).padStart(6)} ${median(serverCpu[name]).toFixed(1).padStart(6)}` +
      `   ${rates[name].map((rate, i) => `${((rate / rates[baseline][i]!) * 100).toFixed(0)}`).join('/')}`;
    rows.push(
      row('startSink', 'startSink', 'raw (startSink docs)'),
      row('write()', 'write()', 'raw (write() docs)'),
      row('no-op sink', 'startSink, no-op connector', 'raw (startSink docs)'),
    );
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
console.log(
  `\n${docs} EnrichedLog documents × ${repeat} rounds, batches of ${batchSize}, requests of ${flags['request-docs']} docs, ` +
    `${inFlight} in flight (raw: ${rawInFlight}), ${partitions} partition(s); load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
);
console.log(
  'server         sink case   raw doc/s sink doc/s  ratio   µs CPU/doc raw/sink   server µs CPU/doc raw/sink   ratio per round %',
);
for (const row of rows) console.log(row);
for (const [name, byThread] of threadMicros) {
  const parts = [...byThread].filter(([, micros]) => micros > 0).sort((a, b) => b[1] - a[1]);
  const perDoc = (micros: number) => (micros / (docs * repeat * flags.servers.split(',').length)).toFixed(1);
  console.log(`threads, ${name}: ${parts.map(([thread, micros]) => `${thread} ${perDoc(micros)}`).join(', ')} µs/doc`);
}
