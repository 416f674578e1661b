/**
 * CPU cost of the receiver's own work per request, in one process and without sockets, so that
 * the figure holds on a loaded machine (a load generator in another process starves there): the
 * receiver's server (node:http, `buildServer`) and `POST /v1/executions` route over a fresh embedded
 * log (synchronous=full: one fsync per group commit) are driven with light-my-request's `inject`
 * (fake request and response objects into the server's request listener) by a closed loop
 * of `--concurrency` requests, `--requests` per round. Every round runs each variant back to back
 * (interleaved, so they see the same machine load):
 *
 * - `bare`: the same server answering 202 at once: what the server and inject alone cost;
 * - `linger N`: the real route with the group-commit linger `log.lingerMs` = N (0 = the same
 *   event-loop turn only, what the receiver did before the linger existed).
 *
 *   node --import tsx bench/webhook/route-cpu.ts [--requests 4000] [--concurrency 64] [--batch 1]
 *        [--lingers 0,2,5] [--rounds 3] [--max-sends 0] [--modes full] [--backend embedded|kafka]
 *        [--kafka-client kafkajs|librdkafka] [--brokers 127.0.0.1:19092]
 *
 * `--max-sends` (a list) crosses each linger with `log.maxSendsInFlight`. `--backend kafka` runs the
 * route over the Kafka log (acks=all, fresh topics deleted at the end) with the chosen producer
 * library; process.cpuUsage then includes the client's threads (librdkafka's are native).
 *
 * `--modes` (embedded only, a list) crosses the variants with the log's write mode: `full` (SQLite's
 * fsync at commit on the event loop), `offloop` (`syncOffLoop`), `thread` (`writeThread`: appends and
 * commit on a worker thread), each on its own fresh log file.
 *
 * Prints CPU µs per request (all threads) and the main thread's CPU µs per request (Linux
 * `/proc/self/task/<pid>/schedstat`, ns on CPU; what bounds a single receiver's throughput when
 * other threads have a core; elsewhere the event loop's busy time, which a loaded machine inflates), (process.cpuUsage: user + system), requests per CPU-second and the
 * median over rounds. Not a test: it asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inject } from 'light-my-request';
import { parseWebhookSourceConfig } from '../../connectors/sources/webhook/config.js';
import { executionsRoute } from '../../connectors/sources/webhook/executions-route.js';
import { webhookMetrics } from '../../connectors/sources/webhook/metrics.js';
import { createLogReadiness } from '../../connectors/sources/webhook/readiness.js';
import { resolveSecrets } from '../../connectors/sources/webhook/secrets.js';
import { buildServer, type ReceiverServer } from '../../connectors/sources/webhook/server.js';
import { bearerToken, executionReport, receiverTopics } from '../../connectors/sources/webhook/testing.js';
import { createLazyProducer, createLogWriter } from '../../connectors/sources/webhook/writer.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: '1' },
    lingers: { type: 'string', default: '0,2,5' },
    rounds: { type: 'string', default: '3' },
    'max-sends': { type: 'string', default: '0' },
    backend: { type: 'string', default: 'embedded' },
    'kafka-client': { type: 'string', default: 'kafkajs' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
    modes: { type: 'string', default: 'full' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const batch = Number(values.batch);

const directory = mkdtempSync(join(tmpdir(), 'makestream-route-cpu-'));
const suffix = `${Date.now()}`;
const topicNames = { executions: `bench.route.executions.${suffix}`, webhookRaw: `bench.route.webhook.${suffix}` };
const modes = values.backend === 'kafka' ? ['kafka'] : values.modes.split(',');
const logs = new Map<string, EventLog>();
for (const mode of modes) {
  const log: EventLog =
    values.backend === 'kafka'
      ? createKafkaLog({
          brokers: values.brokers.split(','),
          client: values['kafka-client'] === 'librdkafka' ? 'librdkafka' : 'kafkajs',
        })
      : createEmbeddedLog({
          path: join(directory, `log-${mode}.db`),
          maintenanceIntervalMs: 0,
          synchronous: 'full',
          syncOffLoop: mode === 'offloop',
          writeThread: mode === 'thread',
        });
  await log.createTopics(
    receiverTopics.map((topic) => ({
      ...topic,
      name: topic.name === 'make.executions.raw.v1' ? topicNames.executions : topicNames.webhookRaw,
    })),
  );
  logs.set(mode, log);
}
const log = logs.get(modes[0]!)!;
const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: join(directory, 'schemas.db') }) });
const settings = parseWebhookSourceConfig({
  topics: topicNames,
  executions: {
    maxBatchRecords: 10_000,
    sources: [{ name: 'bench', zone: 'eu1.make.com', auth: { kind: 'bearer', tokens: [{ env: 'PUSH_TOKEN' }] } }],
  },
});
const secrets = resolveSecrets(settings, { env: { PUSH_TOKEN: bearerToken }, readFile: () => '' });
const executionSerde = await bindTopic(serde, settings.topics.executions, 'scenario-execution');
const delays = { backpressure: 1, log: 5 };
const producers = new Map([...logs].map(([mode, modeLog]) => [mode, createLazyProducer(modeLog)]));

/** The receiver's server with the real route at `lingerMs`, or answering 202 at once (`bare`). */
async function server(lingerMs: number | 'bare', maxSendsInFlight = 0, mode = modes[0]!): Promise<ReceiverServer> {
  const producer = producers.get(mode)!;
  const metrics = webhookMetrics(createMetricsRegistry());
  const readiness = createLogReadiness({
    log,
    topics: [settings.topics.executions],
    probeIntervalMs: 60_000,
    probeTimeoutMs: 2_000,
    logger: silentLogger,
  });
  await readiness.probe();
  const writer = createLogWriter({
    producer: () => producer.get(),
    readiness,
    sendTimeoutMs: 10_000,
    lingerMs: lingerMs === 'bare' ? 0 : lingerMs,
    maxGroupRecords: 5_000,
    maxSendsInFlight,
    metrics,
    logger: silentLogger,
    componentName: 'source.webhook',
  });
  const route = executionsRoute({
    config: settings.executions!,
    senders: secrets.senders,
    topics: settings.topics,
    executionSerde,
    rawSerde: undefined,
    writer,
    readiness,
    metrics,
    delays,
    clock: Date.now,
  });
  return buildServer({
    bodyLimitBytes: 4_194_304,
    requestTimeoutMs: 30_000,
    maxInFlightRequests: 100_000,
    maxInFlightBytes: 1_073_741_824,
    events: undefined,
    executions: lingerMs === 'bare' ? async () => ({ status: 202, body: { status: 'accepted' } }) : route,
    readiness,
    metrics,
    delays,
    logger: silentLogger,
  });
}

let sequence = 0;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` };
function body(): string {
  const reports = Array.from({ length: batch }, () =>
    executionReport({
      executionId: (sequence += 1).toString(16).padStart(32, '0'),
      scenarioId: 1000 + (sequence % 500),
    }),
  );
  return JSON.stringify(batch === 1 ? reports[0] : reports);
}

/** ns the main thread spent on a CPU (Linux schedstat), or undefined where there is none. */
function mainThreadCpuNs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** `count` requests through `app`, `concurrency` at a time; µs of CPU per request. */
async function drive(
  app: ReceiverServer,
  count: number,
): Promise<{ cpuMicros: number; loopMicros: number; wallMs: number }> {
  const bodies = Array.from({ length: count }, body);
  let next = 0;
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const mainBefore = mainThreadCpuNs();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const payload = bodies[next++]!;
      const response = await inject(app.handle, { method: 'POST', url: '/v1/executions', headers, payload });
      if (response.statusCode !== 202) throw new Error(`Answered ${response.statusCode}: ${response.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  const busy = performance.eventLoopUtilization(loop);
  const mainAfter = mainThreadCpuNs();
  return {
    cpuMicros: (used.user + used.system) / count,
    loopMicros:
      mainBefore !== undefined && mainAfter !== undefined
        ? (mainAfter - mainBefore) / 1000 / count
        : (busy.active * 1000) / count,
    wallMs: performance.now() - started,
  };
}

const variants: ('bare' | { lingerMs: number; maxSends: number; mode: string })[] = [
  'bare',
  ...modes.flatMap((mode) =>
    values.lingers
      .split(',')
      .flatMap((lingerMs) =>
        values['max-sends']
          .split(',')
          .map((maxSends) => ({ lingerMs: Number(lingerMs), maxSends: Number(maxSends), mode })),
      ),
  ),
];
const results = new Map<string, number[]>();
const loopResults = new Map<string, number[]>();
process.stdout.write(
  `# ${values.backend}${values.backend === 'kafka' ? ` (${values['kafka-client']})` : ''}: ` +
    `${requests} requests of ${batch} report(s), ${concurrency} in flight; load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}\n`,
);
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const variant of variants) {
    const app =
      variant === 'bare' ? await server('bare') : await server(variant.lingerMs, variant.maxSends, variant.mode);
    await drive(app, 200); // warm-up: JIT, statements, the producer
    const { cpuMicros, loopMicros, wallMs } = await drive(app, requests);
    await app.close();
    const name =
      variant === 'bare'
        ? 'bare'
        : `${modes.length > 1 ? `${variant.mode} ` : ''}linger ${variant.lingerMs}` +
          `${variant.maxSends > 0 ? ` in-flight ${variant.maxSends}` : ''}`;
    results.set(name, [...(results.get(name) ?? []), cpuMicros]);
    loopResults.set(name, [...(loopResults.get(name) ?? []), loopMicros]);
    process.stdout.write(
      `round ${round} ${name.padEnd(24)} ${cpuMicros.toFixed(1).padStart(7)} µs CPU/request  ` +
        `${loopMicros.toFixed(1).padStart(7)} µs main thread/request  ` +
        `${Math.round(1e6 / cpuMicros)} requests per CPU-second  (${Math.round((requests / wallMs) * 1000)} req/s wall)\n`,
    );
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summarise = (of: Map<string, number[]>): string =>
  JSON.stringify(Object.fromEntries([...of].map(([name, values]) => [name, Math.round(median(values) * 10) / 10])));
process.stdout.write(
  `median µs CPU/request: ${summarise(results)}\nmedian µs main thread/request: ${summarise(loopResults)}; ` +
    `load average at end ${loadavg()[0]!.toFixed(1)}\n`,
);
for (const producer of producers.values()) await producer.close();
if (values.backend === 'kafka') await log.deleteTopics([topicNames.executions, topicNames.webhookRaw]);
for (const modeLog of logs.values()) await modeLog.close();
rmSync(directory, { recursive: true, force: true });
