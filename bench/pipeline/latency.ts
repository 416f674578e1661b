/**
 * End-to-end latency benchmark: a fixed offered load of execution reports POSTed to the webhook
 * receiver (`connectors/sources/webhook`, bearer auth, `--batch` reports per request) at `--rate`
 * events/s for `--duration` s, through the log into ClickHouse on chDB (`startPipeline`, as in
 * `makestream run`). For each execution it measures the time from the receiver's 202 to the row
 * being visible in `makestream.executions` (a reader queries the table every `--poll-ms`), and
 * prints p50/p95/p99 with the split (latency-trace.ts): request → 202 (receiver → log), 202 → sink
 * poll (log → sink; negative when the sink read a record before its 202 reached the client) and
 * poll → visible (the sink's batch linger + insert, whose mean comes from the sink's own
 * batch-duration histogram, + the reader's poll period).
 *
 *   node --import tsx bench/pipeline/latency.ts [--rate 5000] [--duration 20] [--batch 10]
 *        [--linger-ms 250] [--poll-ms 50] [--processors none|all|separate]
 *        [--log embedded|kafka] [--brokers 127.0.0.1:19092]
 *
 * `--processors`: the executions table is written from the raw topic, so processors are not on the
 * measured path. `none` leaves them out; `all` runs every registered processor in this process
 * (sharing its event loop with the receiver and the sink); `separate` runs them in a child process
 * on the same log (`--serve-processors` below), as production runs them (`makestream run` with
 * sections enabled per process). On Kafka every topic, group and transactional id carries a
 * unique prefix (latency-log.ts) and the topics are deleted afterwards; the schema store is a
 * SQLite file of the run shared by both processes.
 *
 * Load generator, receiver, sink and chDB share this process (and the machine's 2 cores with
 * whatever else runs, including the processors' child). Not a test: it asserts nothing, it prints
 * figures and a JSON summary (with both processes' CPU-seconds).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createWebhookSource } from '../../connectors/sources/webhook/connector.js';
import { bearerToken, executionReport } from '../../connectors/sources/webhook/testing.js';
import { createClickHouseSink } from '../../connectors/sinks/clickhouse/connector.js';
import { parseClickHouseSinkConfig } from '../../connectors/sinks/clickhouse/config.js';
import { startPipeline } from '../../pipeline/app/pipeline.js';
import { makestreamConfigSchema } from '../../pipeline/config/makestream.js';
import { executionEventId } from '../../pipeline/ids.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { sinkGroup } from '../../pipeline/sink/api.js';
import { createLogger } from '../../pipeline/telemetry/logger.js';
import { wrapLog } from './latency-log.js';
import { createLatencyTracer, type EventTrace } from './latency-trace.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '20' },
    batch: { type: 'string', default: '10' },
    'linger-ms': { type: 'string', default: '250' },
    'poll-ms': { type: 'string', default: '50' },
    processors: { type: 'string', default: 'all' },
    log: { type: 'string', default: 'embedded' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
    // Internal: the child process of `--processors separate`.
    'serve-processors': { type: 'boolean', default: false },
    directory: { type: 'string' },
    prefix: { type: 'string' },
  },
});
const kafka = values.log === 'kafka';
const zone = 'eu1.make.com';
const logger = createLogger({ level: 'warn' });

/** The run's log (unwrapped): the embedded file in `directory`, or the broker. */
function openLog(directory: string): EventLog {
  return kafka
    ? createKafkaLog({ brokers: values.brokers.split(',') })
    : createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal' });
}

function pipelineConfig(directory: string, part: 'sink' | 'processors' | 'both', lingerMs: number) {
  const sinkSection = {
    embedded: { path: join(directory, 'chdb') },
    topics: ['make.executions.raw.v1'],
    batch: { maxRecords: 10_000, lingerMs },
  };
  const config = makestreamConfigSchema.parse({
    logLevel: 'warn',
    metrics: { enabled: false },
    log: { backend: 'embedded', path: join(directory, 'log.db') },
    sinks: part === 'processors' ? {} : { clickhouse: sinkSection },
    ...(part === 'sink' ? { processors: { enabled: [] } } : {}),
  });
  return { config, sinkSection };
}

if (values['serve-processors']) await serveProcessors();
else await main();

/** Child process: every registered processor on the parent's log, until SIGTERM; reports its CPU time. */
async function serveProcessors(): Promise<void> {
  const directory = values.directory!;
  const log = wrapLog(openLog(directory), { prefix: values.prefix });
  const store = createEmbeddedSchemaStore({ database: join(directory, 'schemas.db') });
  const { config } = pipelineConfig(directory, 'processors', 0);
  const pipeline = await startPipeline(config, {
    log,
    serde: createAvroSerde({ store }),
    logger,
    metrics: new Registry(),
  });
  process.send?.({ ready: true });
  process.once('SIGTERM', () => {
    void (async () => {
      await pipeline.stop();
      await log.close();
      await store.close();
      process.send?.({ cpu: process.cpuUsage() }, () => process.exit(0));
    })();
  });
}

async function main(): Promise<void> {
  const rate = Number(values.rate);
  const durationMs = Number(values.duration) * 1_000;
  const batch = Number(values.batch);
  const lingerMs = Number(values['linger-ms']);
  const pollMs = Number(values['poll-ms']);
  const mode = values.processors;
  const loadAtStart = loadavg();

  const directory = mkdtempSync(join(tmpdir(), 'makestream-latency-'));
  const prefix = kafka ? `makestream.bench.latency-${Date.now()}` : undefined;
  const tracer = createLatencyTracer();
  const sinkGroupId = sinkGroup('clickhouse');
  const log = wrapLog(openLog(directory), {
    prefix,
    onPolled: (groupId, records) => groupId === sinkGroupId && tracer.polled(records, Date.now()),
    onCommitted: (groupId, offsets) => groupId === sinkGroupId && tracer.committed(offsets, Date.now()),
  });
  const store = createEmbeddedSchemaStore({ database: join(directory, 'schemas.db') });
  const serde = createAvroSerde({ store });
  const registry = new Registry();
  const { config, sinkSection } = pipelineConfig(directory, mode === 'all' ? 'both' : 'sink', lingerMs);
  const pipeline = await startPipeline(config, { log, serde, logger, metrics: registry });

  const child =
    mode === 'separate'
      ? fork(
          fileURLToPath(import.meta.url),
          [
            '--serve-processors',
            '--log',
            values.log,
            '--brokers',
            values.brokers,
            '--directory',
            directory,
            ...(prefix ? ['--prefix', prefix] : []),
          ],
          { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        )
      : undefined;
  if (child) {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) =>
        reject(new Error(`The processors' process exited with code ${code} before it was ready.`)),
      );
    });
  }

  const receiver = createWebhookSource(
    {
      listen: { host: '127.0.0.1', port: 0 },
      executions: {
        sources: [{ name: 'bench', zone, auth: { kind: 'bearer', tokens: [{ env: 'PUSH_TOKEN' }] } }],
      },
    },
    { log, serde, logger, env: { PUSH_TOKEN: bearerToken } },
  );
  const { url } = await receiver.start();
  // The sink's own chDB session is the only one this process may open (one data path per process):
  // the reader queries through a second connector's transport on the same path, opened after it.
  const reader = createClickHouseSink(parseClickHouseSinkConfig(sinkSection)).transport();

  await warmUp(url, reader);
  const insertsBefore = await sinkInserts(registry);

  /** Accepted, not yet visible, by execution id. */
  const pending = new Map<string, EventTrace>();
  let sent = 0;
  let refused = 0;
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  const scenarioId = 90_421;

  /** Sends one request of `batch` reports; traces each execution. */
  const send = async (): Promise<void> => {
    const requestedAt = Date.now();
    const reports = Array.from({ length: batch }, () => {
      const executionId = (sent++).toString(16).padStart(32, '0');
      return executionReport({ executionId, scenarioId, timestamp: requestedAt, status: 'SUCCESS' });
    });
    const traces = reports.map((report) =>
      tracer.sent(executionEventId({ zone, scenarioId, executionId: String(report.executionId) }), requestedAt),
    );
    const response = await fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` },
      body: JSON.stringify(reports),
    });
    await response.arrayBuffer();
    const now = Date.now();
    if (response.status !== 202) {
      refused += batch;
      return;
    }
    reports.forEach((report, index) => {
      traces[index]!.acceptedAt = now;
      pending.set(String(report.executionId), traces[index]!);
    });
  };

  /** Reads newly visible executions. */
  let since = started - 1_000;
  const poll = async (): Promise<void> => {
    const rows = await reader
      .query<{ execution_id: string }>(
        `SELECT execution_id FROM makestream.executions
         WHERE scenario_id = ${scenarioId} AND started_at >= fromUnixTimestamp64Milli(toInt64(${since}))`,
      )
      .catch(() => []);
    const now = Date.now();
    for (const row of rows) {
      const trace = pending.get(row.execution_id);
      if (trace === undefined) continue;
      trace.visibleAt = now;
      pending.delete(row.execution_id);
    }
    // Rows arrive roughly in event-time order: keep a margin behind the oldest pending.
    const oldest = pending.values().next().value as EventTrace | undefined;
    since = Math.max(since, Math.min(now, oldest?.sentAt ?? now) - 10_000);
  };

  const requestsPerSecond = rate / batch;
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  const load = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed >= durationMs) return;
    // Paced by elapsed time, not by ticks: a late timer (busy event loop) catches up.
    const due = Math.floor((elapsed * requestsPerSecond) / 1_000);
    while (issued < due && inFlight.size < 256) {
      issued++;
      const request = send().catch(() => void (refused += batch));
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
  }, 10);
  const poller = setInterval(() => void poll(), pollMs);

  await new Promise((resolve) => setTimeout(resolve, durationMs));
  clearInterval(load);
  await Promise.all(inFlight);
  const sendSeconds = (Date.now() - started) / 1_000;
  const drainDeadline = Date.now() + 30_000;
  while (pending.size > 0 && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
  clearInterval(poller);
  await poll();
  const cpu = process.cpuUsage(cpuAtStart);

  const split = tracer.split();
  const accepted = split.acceptedToVisible.count + pending.size;
  const insertsAfter = await sinkInserts(registry);
  const insert = round(((insertsAfter.sum - insertsBefore.sum) / (insertsAfter.count - insertsBefore.count)) * 1000);
  const childCpu = child ? await stopChild(child) : undefined;
  const summary = {
    log: values.log,
    processors: mode,
    offeredRate: rate,
    achievedRate: Math.round(accepted / sendSeconds),
    requestBatch: batch,
    accepted,
    refusedOrFailed: refused,
    visible: split.acceptedToVisible.count,
    neverVisible: pending.size,
    latencyMs: split.acceptedToVisible,
    split: { ...split, sinkLingerMs: lingerMs, sinkInsertMeanMs: insert, readerPollMs: pollMs },
    cpuSeconds: { thisProcess: round((cpu.user + cpu.system) / 1e6), processors: childCpu },
    loadAverage: { start: loadAtStart, end: loadavg() },
    // The target: p95 < 2 s while sustaining 5,000 events/s.
    targetMet: rate >= 5_000 && split.acceptedToVisible.p95 < 2_000 && accepted / sendSeconds >= 0.95 * rate,
  };
  const show = (part: { p50: number; p95: number; p99: number }) => `${part.p50} / ${part.p95} / ${part.p99} ms`;
  process.stdout.write(
    `${values.log} log, processors ${mode}: offered ${rate}/s, accepted ${summary.achievedRate}/s ` +
      `(${accepted} events, ${refused} refused), visible ${summary.visible}; load ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}\n` +
      `202 → visible in ClickHouse p50/p95/p99: ${show(split.acceptedToVisible)}\n` +
      `  request → 202 (receiver → log):       ${show(split.requestTo202)}\n` +
      `  202 → sink poll (log → sink):         ${show(split.logToSinkPoll)}\n` +
      `  poll → visible (linger ${lingerMs} + insert, mean ${insert} ms, + reader every ${pollMs} ms): ${show(split.pollToVisible)}\n` +
      `  (poll → offsets committed: ${show(split.pollToCommit)}; request sent → visible: ${show(split.sentToVisible)})\n` +
      `${JSON.stringify(summary)}\n`,
  );
  await receiver.stop();
  await pipeline.stop();
  await reader.close();
  if (kafka) await log.deleteTopics(await log.listTopics()).catch(() => undefined);
  await log.close();
  await store.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}

/**
 * One report through the whole path before the clock starts, so that the first measured events do
 * not wait for the producer's connection, the topics' leaders or the sink's group join.
 */
async function warmUp(url: string, reader: { query<T>(sql: string): Promise<T[]> }): Promise<void> {
  const executionId = 'f'.repeat(32);
  const response = await fetch(`${url}/v1/executions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` },
    body: JSON.stringify(executionReport({ executionId, scenarioId: 90_420, timestamp: Date.now() })),
  });
  if (response.status !== 202) throw new Error(`Warm-up request answered ${response.status}: ${await response.text()}`);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const rows = await reader
      .query<{ n: number | string }>(`SELECT count() AS n FROM makestream.executions WHERE scenario_id = 90420`)
      .catch(() => [{ n: 0 }]);
    if (Number(rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('The warm-up report did not become visible in ClickHouse within 180 s.');
}

/** Store write time (s) and batches of the ClickHouse sink so far (its `makestream_batch_duration_seconds`). */
async function sinkInserts(registry: Registry): Promise<{ sum: number; count: number }> {
  const metric = registry.getSingleMetric('makestream_batch_duration_seconds');
  const values = metric ? (await metric.get()).values : [];
  // Histogram values carry `metricName` (`..._sum`, `..._count`, `..._bucket`); the typings omit it.
  const ours = values
    .filter((value) => value.labels.component === 'sink.clickhouse')
    .map((value) => ({ ...value, metricName: (value as { metricName?: string }).metricName }));
  const sum = ours.find((value) => value.metricName?.endsWith('_sum'))?.value ?? 0;
  const count = ours.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
  return { sum, count };
}

/** Stops the processors' child; resolves with its CPU-seconds. */
function stopChild(child: ReturnType<typeof fork>): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(undefined);
    }, 60_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      const cpu = (message as { cpu: NodeJS.CpuUsage }).cpu;
      resolve(round((cpu.user + cpu.system) / 1e6));
    });
    child.kill('SIGTERM');
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
