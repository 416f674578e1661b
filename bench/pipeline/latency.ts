/**
 * End-to-end latency benchmark: a fixed offered load of execution reports POSTed to the webhook
 * receiver (`connectors/sources/webhook`, bearer auth, `--batch` reports per request) at `--rate`
 * events/s for `--duration` s, through `startPipeline` (every registered processor running, as in
 * `makestream run`) on the embedded log, into ClickHouse on chDB. For each execution it measures
 * the time from the receiver's 202 to the row being visible in `makestream.executions` (a poller
 * queries the table every `--poll-ms`), and prints p50/p95/p99 with the split: the sink's batch
 * linger (configured) versus the rest (log, sink batching and insert, poll granularity).
 *
 *   node --import tsx bench/pipeline/latency.ts [--rate 5000] [--duration 20] [--batch 10]
 *        [--linger-ms 250] [--poll-ms 50] [--processors all|none]
 *
 * The executions table is written from the raw topic, so processors are not on the measured path;
 * `--processors none` leaves them out of this process (in production they run in their own).
 *
 * Load generator, receiver, pipeline and chDB share one process (and this machine's 2 cores with
 * whatever else runs): the figures are an upper bound of what separate processes would give.
 * Not a test: it asserts nothing, it prints figures and a JSON summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createWebhookSource } from '../../connectors/sources/webhook/connector.js';
import { bearerToken, executionReport } from '../../connectors/sources/webhook/testing.js';
import { createClickHouseSink } from '../../connectors/sinks/clickhouse/connector.js';
import { parseClickHouseSinkConfig } from '../../connectors/sinks/clickhouse/config.js';
import { startPipeline } from '../../pipeline/app/pipeline.js';
import { makestreamConfigSchema } from '../../pipeline/config/makestream.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import { createLogger } from '../../pipeline/telemetry/logger.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '20' },
    batch: { type: 'string', default: '10' },
    'linger-ms': { type: 'string', default: '250' },
    'poll-ms': { type: 'string', default: '50' },
    // `none`: only the path being measured (receiver → raw topic → sink); processors would run in
    // their own processes in production, here they share the event loop and the 2 cores.
    processors: { type: 'string', default: 'all' },
  },
});
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1_000;
const batch = Number(values.batch);
const lingerMs = Number(values['linger-ms']);
const pollMs = Number(values['poll-ms']);

const directory = mkdtempSync(join(tmpdir(), 'makestream-latency-'));
const chdbPath = join(directory, 'chdb');
const logger = createLogger({ level: 'warn' });
const log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal' });
const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: join(directory, 'schemas.db') }) });
const sinkSection = {
  embedded: { path: chdbPath },
  topics: ['make.executions.raw.v1'],
  batch: { maxRecords: 10_000, lingerMs },
};
const config = makestreamConfigSchema.parse({
  logLevel: 'warn',
  metrics: { enabled: false },
  log: { backend: 'embedded', path: join(directory, 'log.db') },
  sinks: { clickhouse: sinkSection },
  ...(values.processors === 'none' ? { processors: { enabled: [] } } : {}),
});
const pipeline = await startPipeline(config, { log, serde, logger, metrics: new Registry() });
const receiver = createWebhookSource(
  {
    listen: { host: '127.0.0.1', port: 0 },
    executions: {
      sources: [{ name: 'bench', zone: 'eu1.make.com', auth: { kind: 'bearer', tokens: [{ env: 'PUSH_TOKEN' }] } }],
    },
  },
  { log, serde, logger, env: { PUSH_TOKEN: bearerToken } },
);
const { url } = await receiver.start();
// The sink's own chDB session is the only one this process may open (one data path per process):
// the poller queries through a second connector's transport on the same path, opened after it.
const reader = createClickHouseSink(parseClickHouseSinkConfig(sinkSection)).transport();

const acceptedAt = new Map<string, number>();
const latencies: number[] = [];
/** Request sent → 202 received, per request (the receiver's own latency under this load). */
const ingestLatencies: number[] = [];
let sent = 0;
let refused = 0;
const started = Date.now();
const scenarioId = 90_421;

/** Sends one request of `batch` reports; records the 202 time of each execution id. */
async function send(): Promise<void> {
  const reports = Array.from({ length: batch }, () => {
    const executionId = (sent++).toString(16).padStart(32, '0');
    return executionReport({ executionId, scenarioId, timestamp: Date.now(), status: 'SUCCESS' });
  });
  const requestedAt = Date.now();
  const response = await fetch(`${url}/v1/executions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearerToken}` },
    body: JSON.stringify(reports),
  });
  await response.arrayBuffer();
  const now = Date.now();
  ingestLatencies.push(now - requestedAt);
  if (response.status !== 202) {
    refused += batch;
    return;
  }
  for (const report of reports) acceptedAt.set(String(report.executionId), now);
}

/** Reads newly visible executions and records their latency. */
let since = started - 1_000;
async function poll(): Promise<void> {
  const rows = await reader
    .query<{ execution_id: string; started_at: string | number }>(
      `SELECT execution_id, toUnixTimestamp64Milli(started_at) AS started_at FROM makestream.executions
       WHERE scenario_id = ${scenarioId} AND started_at >= fromUnixTimestamp64Milli(toInt64(${since}))`,
    )
    .catch(() => []);
  const now = Date.now();
  for (const row of rows) {
    const at = acceptedAt.get(row.execution_id);
    if (at === undefined) continue;
    latencies.push(now - at);
    acceptedAt.delete(row.execution_id);
  }
  // Rows arrive roughly in event-time order: keep a margin of a few seconds behind the oldest pending.
  const oldestPending = Math.min(now, ...[...acceptedAt.values()].slice(0, 1));
  since = Math.max(since, oldestPending - 10_000);
}

const requestsPerSecond = rate / batch;
const inFlight = new Set<Promise<void>>();
const tickMs = 10;
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
}, tickMs);
const poller = setInterval(() => void poll(), pollMs);

await new Promise((resolve) => setTimeout(resolve, durationMs));
clearInterval(load);
await Promise.all(inFlight);
const sendSeconds = (Date.now() - started) / 1_000;
const drainDeadline = Date.now() + 30_000;
while (acceptedAt.size > 0 && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
clearInterval(poller);
await poll();

const percentile = (values: readonly number[], p: number): number => {
  const ordered = [...values].sort((a, b) => a - b);
  return ordered[Math.min(ordered.length - 1, Math.floor((p / 100) * ordered.length))] ?? NaN;
};
const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p: number): number => percentile(sorted, p);
const accepted = latencies.length + acceptedAt.size;
const summary = {
  offeredRate: rate,
  achievedRate: Math.round(accepted / sendSeconds),
  requestBatch: batch,
  accepted,
  refusedOrFailed: refused,
  visible: latencies.length,
  neverVisible: acceptedAt.size,
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: sorted.at(-1) ?? NaN },
  requestTo202Ms: { p50: percentile(ingestLatencies, 50), p95: percentile(ingestLatencies, 95) },
  split: {
    sinkBatchLingerMs: lingerMs,
    restP50Ms: pct(50) - lingerMs,
    restP95Ms: pct(95) - lingerMs,
    pollGranularityMs: pollMs,
  },
  // The target: p95 < 2 s while sustaining 5,000 events/s.
  targetMet: rate >= 5_000 && pct(95) < 2_000 && accepted / sendSeconds >= 0.95 * rate,
};
process.stdout.write(
  `offered ${rate}/s, accepted ${summary.achievedRate}/s (${accepted} events, ${refused} refused), visible ${latencies.length}\n` +
    `202 → visible in ClickHouse: p50 ${summary.latencyMs.p50} ms, p95 ${summary.latencyMs.p95} ms, p99 ${summary.latencyMs.p99} ms\n` +
    `request → 202: p50 ${summary.requestTo202Ms.p50} ms, p95 ${summary.requestTo202Ms.p95} ms\n` +
    `split: sink linger ${lingerMs} ms + the rest p50 ${summary.split.restP50Ms} ms / p95 ${summary.split.restP95Ms} ms\n` +
    `${JSON.stringify(summary)}\n`,
);
await receiver.stop();
await pipeline.stop();
await reader.close();
await log.close();
rmSync(directory, { recursive: true, force: true });
process.exit(0);
