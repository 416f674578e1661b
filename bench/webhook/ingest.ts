/**
 * Webhook ingest benchmark: sustained events/s and time-to-202 (p50/p95/p99, measured by the load
 * generator from request sent to answer received) at fixed offered loads, with autocannon.
 *
 *   node --import tsx bench/webhook/ingest.ts [--backend embedded|kafka|bare|bare-node|bare-receiver|both|a,b] [--duration 10]
 *        [--batch 100] [--connections 64] [--rates 5000,max] [--brokers 127.0.0.1:19092]
 *        [--synchronous full,normal,offloop,thread] [--profile <dir>] [--linger-ms 0,2] [--max-sends 0,1]
 *        [--workers 1,2] [--pipelining 1] [--kafka-client kafkajs,librdkafka] [--generator autocannon,wrk]
 *
 * The receiver runs in a child process (so the load generator does not share its event loop), on a
 * fresh embedded log (synchronous=full: a 202 means fsynced) or on Kafka (acks=all). Scenarios per
 * backend (`both`: bare-node, bare, embedded, kafka; `bare` and `bare-node` are calibrations,
 * fastify and node:http answering 202 without doing anything, i.e. what HTTP alone costs on this
 * machine now, see bare-servers.ts): single-record execution reports
 * and signed event deliveries at each offered rate (`max`: as fast as `--connections` connections
 * go), then batches of `--batch` reports at max. `--only executions|events|batch` runs one kind.
 * `--linger-ms` sets the receiver's group-commit linger (`log.lingerMs`); a list runs each scenario
 * once per value, back to back on fresh receivers (an A/B under the same machine load).
 * `--max-sends` sets `log.maxSendsInFlight` the same way (0: no limit). `--workers N` (Kafka and
 * bare only) runs N receiver processes sharing the port with node:cluster, each with its own
 * producer; a list A/Bs them. `--kafka-client` picks the Kafka producer library (`kafka.client`).
 * `--pipelining` is autocannon's requests in flight per connection. `--synchronous` lists the
 * embedded log's commit modes to A/B (`offloop`: full with the WAL's fsync off the event loop,
 * `syncOffLoop`; `thread`: full with appends and commit on a worker thread, `writeThread`); the mode
 * is printed in the client column. `--generator autocannon,wrk` runs each "max" execution scenario
 * once per load generator (wrk.ts: needs `wrk` on the PATH; autocannon stays the default), each on a
 * fresh receiver; wrk rows say "wrk" before the client column.
 * Every request carries unique ids, so nothing is a duplicate. Prints one line per scenario and a
 * JSON summary. `--profile` writes the receiver's CPU profile (read it with
 * `npx tsx bench/log/profile-summary.ts <dir>/<file>.cpuprofile`). Not a test: it asserts nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { serveBareFastify, serveBareNode, serveBareReceiver } from './bare-servers.js';
import { servePrimary } from './cluster-primary.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { runWrk, wrkAvailable } from './wrk.js';
import { signStandardWebhook } from '../../connectors/sources/webhook/signature.js';
import { bearerToken, eventKey, receiverTopics, secretEnvironment } from '../../connectors/sources/webhook/testing.js';
import { createWebhookSource } from '../../connectors/sources/webhook/connector.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'embedded' },
    duration: { type: 'string', default: '10' },
    batch: { type: 'string', default: '100' },
    connections: { type: 'string', default: '64' },
    rates: { type: 'string', default: '5000,max' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
    synchronous: { type: 'string', default: 'full' },
    profile: { type: 'string' },
    only: { type: 'string' },
    // Receiver group-commit linger(s), `log.lingerMs`; a list (`0,2`) runs every scenario once per value
    // on a fresh receiver, interleaved, as an A/B under the same machine load.
    'linger-ms': { type: 'string', default: '2' },
    /** Internal: the linger of this (child) receiver. */
    linger: { type: 'string', default: '2' },
    'max-sends': { type: 'string', default: '0' },
    /** Internal: `log.maxSendsInFlight` of this (child) receiver. */
    maxsends: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    /** Internal: receiver processes of this (child) receiver. */
    worker: { type: 'string', default: '1' },
    /** Internal: topic name suffix the cluster primary created. */
    suffix: { type: 'string' },
    pipelining: { type: 'string', default: '1' },
    // Load generator(s): autocannon (default) and/or wrk (wrk.ts; "max" execution scenarios only).
    generator: { type: 'string', default: 'autocannon' },
    'kafka-client': { type: 'string', default: 'kafkajs' },
    /** Internal: `kafka.client` of this (child) receiver. */
    client: { type: 'string', default: 'kafkajs' },
  },
});

/** `bare`: calibration, a fastify server that answers 202 to every POST without doing anything. */
type Backend = 'embedded' | 'kafka' | 'bare' | 'bare-node' | 'bare-receiver';

if (values.serve && Number(values.worker) > 1 && cluster.isPrimary) {
  await servePrimary({
    backend: values.backend,
    workers: Number(values.worker),
    log: () => createKafkaLog({ brokers: values.brokers.split(','), client: kafkaClient(values.client) }),
  });
} else if (values.serve && values.backend === 'bare') await serveBareFastify();
else if (values.serve && values.backend === 'bare-node') await serveBareNode();
else if (values.serve && values.backend === 'bare-receiver') await serveBareReceiver();
else if (values.serve) await serve(values.backend as Backend);
else await main();

/** Child process: a receiver on a fresh log; sends its URL to the parent, stops on SIGTERM. */
async function serve(backend: Backend): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-webhook-bench-'));
  // A cluster worker writes to the topics its primary created (and deletes them).
  const suffix = values.suffix ?? `${Date.now()}`;
  const ownsTopics = values.suffix === undefined;
  const topics = { executions: `bench.executions.${suffix}`, webhookRaw: `bench.webhook.${suffix}` };
  const log: EventLog =
    backend === 'kafka'
      ? createKafkaLog({ brokers: values.brokers.split(','), client: kafkaClient(values.client) })
      : createEmbeddedLog({
          path: join(directory, 'log.db'),
          maintenanceIntervalMs: 0,
          // The embedded variant's `client` column is its commit mode: full, normal, or offloop (full with
          // the WAL's fsync off the event loop, `syncOffLoop`).
          synchronous: values.client === 'normal' ? 'normal' : 'full',
          syncOffLoop: values.client === 'offloop',
          writeThread: values.client === 'thread',
        });
  if (ownsTopics) {
    await log.createTopics(
      receiverTopics.map((topic) => ({
        ...topic,
        name: topic.name === 'make.executions.raw.v1' ? topics.executions : topics.webhookRaw,
      })),
    );
  }
  const store = createEmbeddedSchemaStore({ database: join(directory, 'schemas.db') });
  const source = createWebhookSource(
    {
      listen: { host: '127.0.0.1', port: 0 },
      bodyLimitBytes: 4_194_304,
      topics,
      events: { secrets: [{ env: 'MAKE_EVENTS_SECRET' }], dedupe: { maxEntries: 1_000_000 } },
      executions: {
        maxBatchRecords: 10_000,
        sources: [{ name: 'bench', zone: 'eu1.make.com', auth: { kind: 'bearer', tokens: [{ env: 'PUSH_TOKEN' }] } }],
      },
      backpressure: { maxInFlightRequests: 100_000, maxInFlightBytes: 1_073_741_824 },
      log: { lingerMs: Number(values.linger), maxSendsInFlight: Number(values.maxsends) },
    },
    { log, serde: createAvroSerde({ store }), env: secretEnvironment },
  );
  const { url } = await source.start();
  process.send?.({ url });
  // The parent asks for the receiver's CPU time around each scenario.
  process.on('message', () => process.send?.({ cpu: process.cpuUsage(), mainNs: mainThreadCpuNs() }));
  process.once('SIGTERM', () => {
    void (async () => {
      await source.stop();
      if (ownsTopics) await log.deleteTopics([topics.executions, topics.webhookRaw]).catch(() => undefined);
      await log.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

interface Scenario {
  readonly name: string;
  readonly rate: number | undefined;
  readonly recordsPerRequest: number;
  readonly request: () => { path: string; headers: Record<string, string>; body: string };
}

/** How one receiver is set up: `log.lingerMs`, `log.maxSendsInFlight`, processes sharing the port. */
interface Variant {
  /** `kafka.client` (Kafka only). */
  readonly client: string;
  readonly lingerMs: number;
  readonly maxSendsInFlight: number;
  readonly workers: number;
}

interface Figures extends Variant {
  readonly backend: Backend;
  /** The load generator: autocannon or wrk. */
  readonly generator: string;
  readonly scenario: string;
  readonly offeredRequestsPerSecond: number | 'max';
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly accepted: number;
  readonly refused: Record<string, number>;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Receiver CPU time (user + system) per accepted event, in µs. */
  readonly receiverCpuMicrosPerEvent: number;
  /** Share of one core the receiver used during the scenario. */
  readonly receiverCores: number;
  /**
   * The receiver's main thread (its event loop) alone, µs CPU per accepted event (Linux schedstat;
   * absent for the calibrations and node:cluster): what bounds one receiver when other threads
   * (the embedded log's write thread, libuv's pool, GC helpers) run on another core.
   */
  readonly receiverMainThreadMicrosPerEvent?: number;
}

async function main(): Promise<void> {
  const backends: Backend[] =
    values.backend === 'both' ? ['bare-node', 'bare', 'embedded', 'kafka'] : (values.backend.split(',') as Backend[]);
  const duration = Number(values.duration);
  const batch = Number(values.batch);
  const connections = Number(values.connections);
  const rates = values.rates.split(',').map((rate) => (rate === 'max' ? undefined : Number(rate)));
  const generators = values.generator.split(',');
  if (generators.some((generator) => generator !== 'autocannon' && generator !== 'wrk')) {
    throw new Error(`--generator takes autocannon and/or wrk, not "${values.generator}".`);
  }
  if (generators.includes('wrk') && !wrkAvailable()) {
    throw new Error(
      '--generator wrk: no wrk on the PATH; install it (Debian: apt-get install -y wrk) or leave it out.',
    );
  }
  process.stdout.write(
    `# ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} at start; ` + `Node ${process.version}; receiver and load generator on the same machine.\n`,
  );
  const all: Figures[] = [];
  const numbers = (list: string) => list.split(',').map(Number);
  const variants = (backend: Backend): Variant[] =>
    numbers(values['linger-ms']).flatMap((lingerMs) =>
      numbers(values['max-sends']).flatMap((maxSendsInFlight) =>
        numbers(values.workers)
          .filter((workers) => workers === 1 || backend !== 'embedded')
          .flatMap((workers) =>
            (backend === 'kafka'
              ? values['kafka-client'].split(',')
              : backend === 'embedded'
                ? values.synchronous.split(',')
                : ['-']
            ).map((client) => ({
              client,
              lingerMs: backend.startsWith('bare') ? 0 : lingerMs,
              maxSendsInFlight,
              workers,
            })),
          ),
      ),
    );
  const distinct = (list: Variant[]) => [
    ...new Map(list.map((variant) => [JSON.stringify(variant), variant])).values(),
  ];
  const chosen = scenarios(batch, rates).filter((scenario) => !values.only || scenario.name.startsWith(values.only));
  // Scenario by scenario, every backend and variant back to back: the calibrations (bare-node) see
  // the same machine load as the receiver they are compared with.
  for (const scenario of chosen) {
    for (const backend of backends) {
      // One fresh receiver per variant and scenario, back to back: an A/B under the same load.
      for (const variant of distinct(variants(backend))) {
        for (const generator of generators) {
          // wrk: closed-loop execution reports only (wrk.ts).
          if (generator === 'wrk' && (scenario.rate !== undefined || !scenario.name.startsWith('executions'))) continue;
          const { child, url } = await startReceiver(backend, variant);
          try {
            const figures =
              generator === 'wrk'
                ? await runWithWrk(backend, variant, url, child, scenario, duration, connections)
                : await run(backend, variant, url, child, scenario, duration, connections);
            all.push(figures);
            process.stdout.write(`${formatLine(figures)}\n`);
          } finally {
            child.kill('SIGTERM');
            await new Promise((resolve) => child.once('exit', resolve));
          }
        }
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ loadAverageAtEnd: loadavg(), results: all })}\n`);
}

function scenarios(batch: number, rates: readonly (number | undefined)[]): Scenario[] {
  let sequence = 0;
  const executionId = () => (sequence += 1).toString(16).padStart(32, '0');
  const report = () => ({
    scenarioId: 1000 + (sequence % 500),
    executionId: executionId(),
    status: 'SUCCESS',
    timestamp: Date.now(),
    duration: 1200,
    operations: 4,
    transfer: 2048,
    organizationId: 4711,
    teamId: 9001,
  });
  const executionHeaders = { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` };
  const single = (): ReturnType<Scenario['request']> => ({
    path: '/v1/executions',
    headers: executionHeaders,
    body: JSON.stringify(report()),
  });
  const batched = (): ReturnType<Scenario['request']> => ({
    path: '/v1/executions',
    headers: executionHeaders,
    body: JSON.stringify(Array.from({ length: batch }, report)),
  });
  const event = (): ReturnType<Scenario['request']> => {
    const body = JSON.stringify({
      type: 'scenario.created',
      timestamp: new Date().toISOString(),
      version: 1,
      data: { scenario_id: 1000 + (sequence % 500), team_id: 9001, organization_id: 4711, user_id: 1 },
    });
    const id = `msg_bench_${executionId()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      path: '/v1/events/make',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(eventKey, id, timestamp, body),
      },
      body,
    };
  };
  return [
    ...rates.map((rate) => ({ name: 'executions single', rate, recordsPerRequest: 1, request: single })),
    ...rates.map((rate) => ({ name: 'events single (signed)', rate, recordsPerRequest: 1, request: event })),
    { name: `executions batch of ${batch}`, rate: undefined, recordsPerRequest: batch, request: batched },
  ];
}

async function run(
  backend: Backend,
  variant: Variant,
  url: string,
  child: ChildProcess,
  scenario: Scenario,
  duration: number,
  connections: number,
): Promise<Figures> {
  const cpuBefore = await receiverCpu(child);
  const times: number[] = [];
  const statuses = new Map<number, number>();
  const instance = autocannon(
    {
      url,
      connections: scenario.recordsPerRequest > 1 ? Math.min(connections, 16) : connections,
      duration,
      timeout: 30,
      pipelining: Number(values.pipelining),
      ...(scenario.rate ? { overallRate: scenario.rate } : {}),
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, ...scenario.request() }) }],
    },
    () => undefined,
  );
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    if (statusCode === 202) times.push(responseTimeMs);
  });
  const result = await new Promise<{ errors: number; duration: number }>((resolve) => instance.once('done', resolve));
  const cpuAfter = await receiverCpu(child);
  const cpuMicros = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
  const mainMicros =
    cpuAfter.mainNs !== undefined && cpuBefore.mainNs !== undefined
      ? (cpuAfter.mainNs - cpuBefore.mainNs) / 1000
      : undefined;
  times.sort((a, b) => a - b);
  const percentile = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN;
  const accepted = statuses.get(202) ?? 0;
  const seconds = result.duration || duration;
  const refused = Object.fromEntries(
    [...statuses].filter(([status]) => status !== 202).map(([status, count]) => [String(status), count]),
  );
  return {
    backend,
    generator: 'autocannon',
    ...variant,
    scenario: scenario.name,
    offeredRequestsPerSecond: scenario.rate ?? 'max',
    requestsPerSecond: Math.round(accepted / seconds),
    eventsPerSecond: Math.round((accepted * scenario.recordsPerRequest) / seconds),
    accepted,
    refused,
    p50Ms: round(percentile(50)),
    p95Ms: round(percentile(95)),
    p99Ms: round(percentile(99)),
    errors: result.errors,
    receiverCpuMicrosPerEvent: round(cpuMicros / Math.max(1, accepted * scenario.recordsPerRequest)),
    receiverCores: round(cpuMicros / 1e6 / seconds),
    ...(mainMicros === undefined
      ? {}
      : { receiverMainThreadMicrosPerEvent: round(mainMicros / Math.max(1, accepted * scenario.recordsPerRequest)) }),
  };
}

/** `scenario` driven by wrk (closed loop, `connections`, one wrk thread): the same figures as `run`. */
async function runWithWrk(
  backend: Backend,
  variant: Variant,
  url: string,
  child: ChildProcess,
  scenario: Scenario,
  duration: number,
  connections: number,
): Promise<Figures> {
  const cpuBefore = await receiverCpu(child);
  const result = await runWrk({
    url,
    durationSeconds: duration,
    // As with autocannon: at most 16 connections for batches.
    connections: scenario.recordsPerRequest > 1 ? Math.min(connections, 16) : connections,
    reportsPerRequest: scenario.recordsPerRequest,
    bearerToken,
  });
  const cpuAfter = await receiverCpu(child);
  const cpuMicros = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
  const mainMicros =
    cpuAfter.mainNs !== undefined && cpuBefore.mainNs !== undefined
      ? (cpuAfter.mainNs - cpuBefore.mainNs) / 1000
      : undefined;
  const accepted = result.requests - result.refused;
  const events = Math.max(1, accepted * scenario.recordsPerRequest);
  return {
    backend,
    generator: 'wrk',
    ...variant,
    scenario: scenario.name,
    offeredRequestsPerSecond: 'max',
    requestsPerSecond: Math.round(accepted / result.seconds),
    eventsPerSecond: Math.round((accepted * scenario.recordsPerRequest) / result.seconds),
    accepted,
    // wrk counts non-2xx answers without their status.
    refused: result.refused > 0 ? { 'non-2xx': result.refused } : {},
    p50Ms: round(result.p50Ms),
    p95Ms: round(result.p95Ms),
    p99Ms: round(result.p99Ms),
    errors: result.errors,
    receiverCpuMicrosPerEvent: round(cpuMicros / events),
    receiverCores: round(cpuMicros / 1e6 / result.seconds),
    ...(mainMicros === undefined ? {} : { receiverMainThreadMicrosPerEvent: round(mainMicros / events) }),
  };
}

function receiverCpu(child: ChildProcess): Promise<NodeJS.CpuUsage & { mainNs?: number }> {
  return new Promise((resolve) => {
    child.once('message', (message) => {
      const { cpu, mainNs } = message as { cpu: NodeJS.CpuUsage; mainNs?: number };
      resolve({ ...cpu, ...(mainNs === undefined ? {} : { mainNs }) });
    });
    child.send('cpu');
  });
}

/** ns this process's main thread spent on a CPU (Linux schedstat), or undefined where there is none. */
function mainThreadCpuNs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

function startReceiver(backend: Backend, variant: Variant): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--serve', '--backend', backend, '--brokers', values.brokers, '--synchronous', values.synchronous];
  args.push('--linger', String(variant.lingerMs), '--maxsends', String(variant.maxSendsInFlight));
  args.push('--worker', String(variant.workers), '--client', variant.client);
  const profile = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];
  const child = fork(fileURLToPath(import.meta.url), args, {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, url: (message as { url: string }).url }));
    child.once('exit', (code) => reject(new Error(`The receiver exited with code ${code} before listening.`)));
  });
}

function formatLine(figures: Figures): string {
  const offered = figures.offeredRequestsPerSecond === 'max' ? 'max' : `${figures.offeredRequestsPerSecond} req/s`;
  const refused = Object.keys(figures.refused).length > 0 ? ` refused=${JSON.stringify(figures.refused)}` : '';
  return (
    `${figures.backend.padEnd(8)} ${figures.generator === 'wrk' ? 'wrk ' : '    '}${figures.client.padEnd(10)} linger ${String(figures.lingerMs).padEnd(2)} in-flight ${figures.maxSendsInFlight} ` +
    `workers ${figures.workers} ${figures.scenario.padEnd(24)} offered ${offered.padEnd(12)} ` +
    `${String(figures.eventsPerSecond).padStart(7)} events/s (${figures.requestsPerSecond} req/s)  ` +
    `time-to-202 p50 ${figures.p50Ms} ms p95 ${figures.p95Ms} ms p99 ${figures.p99Ms} ms  ` +
    `receiver ${figures.receiverCores} cores, ${figures.receiverCpuMicrosPerEvent} µs CPU/event` +
    `${figures.receiverMainThreadMicrosPerEvent === undefined ? '' : ` (main thread ${figures.receiverMainThreadMicrosPerEvent})`}` +
    `${refused}${figures.errors ? ` errors=${figures.errors}` : ''}`
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function kafkaClient(name: string): 'kafkajs' | 'librdkafka' {
  if (name === 'kafkajs' || name === '-') return 'kafkajs';
  if (name === 'librdkafka') return name;
  throw new Error(`--kafka-client takes kafkajs or librdkafka, not "${name}".`);
}
