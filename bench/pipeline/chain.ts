/**
 * Full-chain benchmark: every registered processor (`processors/index.ts`: enrich → correlate →
 * incidents, aggregate → rollup, anomaly) in ONE process through the real runner, over pre-filled raw
 * executions, on the embedded log and on Kafka + the registry. The clock runs from the start of the
 * processors until every group's lag is 0 (twice in a row: downstream stages get records late), or,
 * on Kafka, until the chain has settled (see `settleMs`): the clock then stops at the last batch.
 * Prints, per stage: records in, events/s over its active span (first batch start → last commit),
 * p95 batch latency (poll → commit); overall events/s (raw executions / wall time) and CPU-seconds.
 *
 *   node --import tsx bench/pipeline/chain.ts [executions=100000] [embedded|kafka|both=both] [maxRecords=500] [maxSeconds=600]
 *
 * On Kafka every topic, group and changelog carries a unique prefix (isolate.ts) and is deleted after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processorGroup, type ProcessorDefinition } from '../../pipeline/runtime/api.js';
import { startProcessor, type RunningProcessor } from '../../pipeline/runtime/runner.js';
import { openBackend, type Backend, type BackendSpec } from '../../pipeline/runtime/testing/backends.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import { topicCatalogue } from '../../pipeline/topics.js';
import { registeredProcessors } from '../../processors/index.js';
import { catalogTopic, executionsTopic } from '../../processors/enrich/index.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { requireService } from '../../test/support/services.js';
import { benchExecutions } from '../processors/data.js';
import { isolateProcessor } from './isolate.js';

const count = Number(process.argv[2] ?? 100_000);
const which = process.argv[3] ?? 'both';
const maxRecords = Number(process.argv[4] ?? 500);
/** The bound: a run that has not reached lag 0 by then reports the lag left and stops. */
const maxSeconds = Number(process.argv[5] ?? 600);
/**
 * Kafka's stop rule besides lag 0: the raw input fully consumed and no stage has processed a batch for
 * this long. A group's lag on a transactionally written topic can stay above 0 for good: commit
 * markers take offsets (counted by `totalLag`), and so do the markers and records of aborted
 * transactions, which a `read_committed` consumer skips without moving its committed offset past them
 * until a later record arrives. The EventLog contract has no consumer position to tell those apart
 * from records not yet read, so a settled chain is judged by its work: nothing processed for 5 s
 * while the pollers run every 100 ms. The wall time is then taken at the last batch, and the lag left
 * is printed.
 */
const settleMs = 5_000;

interface StageFigures {
  records: number;
  /** CPU seconds spent decoding and processing, without polling and committing. */
  processing: number;
  batches: number[];
  first?: number;
  last?: number;
}

const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

async function fill(backend: Backend, topic: (name: string) => string): Promise<void> {
  const data = benchExecutions({ count, scenarios: 200, stepMs: 50, seed: 7 });
  const schemas = loadSchemaCatalog();
  const producer = await backend.log.producer();
  const catalogSerde = await backend.serde.forTopic(
    topic(catalogTopic.topic),
    schemas.byFile('scenario-catalog-entry').text,
  );
  await producer.send(
    topic(catalogTopic.topic),
    data.catalog.map((entry) => ({ key: String(entry.scenarioId), value: catalogSerde.encode(entry) })),
  );
  const serde = await backend.serde.forTopic(topic(executionsTopic.topic), schemas.byFile('scenario-execution').text);
  for (let from = 0; from < data.executions.length; from += 2_000) {
    await producer.send(
      topic(executionsTopic.topic),
      data.executions.slice(from, from + 2_000).map((execution) => ({
        key: String(execution.scenarioId),
        value: serde.encode(execution),
        timestamp: execution.ingestedAt,
      })),
    );
  }
  await producer.close();
}

/**
 * Records not consumed yet (`rawOnly`: only the raw input's, which is exact). On Kafka a topic written
 * in transactions ends with a commit marker that takes an offset but is never delivered, so a group
 * that consumed everything keeps a lag of 1 on each such partition (its committed offset is the
 * marker's); a record left unprocessed makes it ≥ 2. So on Kafka a lag of 1 counts as 0 on the topics
 * the processors write (not on the raw input, written without transactions).
 */
async function totalLag(
  backend: Backend,
  definitions: readonly ProcessorDefinition[],
  rawInput: string,
  rawOnly = false,
): Promise<number> {
  let lag = 0;
  for (const definition of definitions) {
    for (const input of definition.inputs) {
      if (rawOnly && input.topic !== rawInput) continue;
      const markers = backend.log.backend === 'kafka' && input.topic !== rawInput;
      for (const partition of await backend.log.lag(processorGroup(definition.name), input.topic)) {
        lag += markers && partition.lag === 1 ? 0 : partition.lag;
      }
    }
  }
  return lag;
}

/** Records appended per topic (end offsets summed), so a per-record cost can be read off the CPU time. */
async function printVolumes(backend: Backend, prefix: string | undefined): Promise<void> {
  const volumes: string[] = [];
  let total = 0;
  for (const name of (await backend.log.listTopics()).sort()) {
    if (prefix && !name.startsWith(prefix)) continue;
    const records = (await backend.log.endOffsets(name)).reduce((sum, end) => sum + end.offset, 0);
    if (records === 0) continue;
    total += records;
    volumes.push(`${prefix ? name.slice(prefix.length + 1) : name} ${records}`);
  }
  console.log(`  appended   ${total} records: ${volumes.join(', ')}`);
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
}

async function run(spec: BackendSpec): Promise<void> {
  const backend = openBackend(spec);
  const prefix = spec.kind === 'kafka' ? `bench-chain-${Date.now().toString(36)}` : undefined;
  const topic = (name: string): string => (prefix ? `${prefix}.${name}` : name);
  const definitions = registeredProcessors.map(({ definition }) =>
    prefix ? isolateProcessor(definition, prefix) : definition,
  ) as ProcessorDefinition[];
  const running: RunningProcessor[] = [];
  try {
    // The catalogue, plus the processors' internal topics with 6 partitions, as `makestream run` does.
    const catalogued = new Set(topicCatalogue.map((definition) => definition.name));
    const internal = new Set(
      registeredProcessors.flatMap(({ definition }) =>
        [...definition.inputs, ...definition.outputs].map((spec) => spec.topic).filter((name) => !catalogued.has(name)),
      ),
    );
    await backend.log.createTopics([
      ...topicCatalogue.map((definition) => ({ ...definition, name: topic(definition.name), retentionMs: -1 })),
      ...[...internal].map((name) => ({ name: topic(name), partitions: 6, retentionMs: -1 })),
    ]);
    await fill(backend, topic);
    const figures = new Map<string, StageFigures>();
    const started = performance.now();
    let lastBatch = started;
    const cpuStarted = cpuSeconds();
    for (const [index, definition] of definitions.entries()) {
      const stage: StageFigures = { records: 0, processing: 0, batches: [] };
      figures.set(registeredProcessors[index]!.definition.name, stage);
      running.push(
        await startProcessor(definition, {
          log: backend.log,
          serde: backend.serde,
          logger: silentLogger,
          metrics: createMetricsRegistry(),
          instanceId: 'bench-chain',
          maxRecords,
          pollTimeoutMs: 100,
          sessionTimeoutMs: 60_000,
          onBatch: ({ records, seconds, processingSeconds }) => {
            stage.processing += processingSeconds ?? 0;
            const end = performance.now();
            stage.first ??= end - seconds * 1000;
            stage.last = end;
            stage.records += records;
            stage.batches.push(seconds * 1000);
            lastBatch = end;
          },
        }),
      );
    }
    let lag = -1;
    let settled = false;
    for (let quiet = 0; quiet < 2 && !settled && performance.now() - started < maxSeconds * 1000;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      lag = await totalLag(backend, definitions, topic(executionsTopic.topic));
      quiet = lag === 0 ? quiet + 1 : 0;
      settled =
        spec.kind === 'kafka' &&
        performance.now() - lastBatch >= settleMs &&
        (await totalLag(backend, definitions, topic(executionsTopic.topic), true)) === 0;
    }
    const seconds = ((lag === 0 || !settled ? performance.now() : lastBatch) - started) / 1000;
    const cpu = cpuSeconds() - cpuStarted;
    console.log(`\n${spec.kind}: ${count} executions, maxRecords ${maxRecords}`);
    if (lag !== 0 && settled)
      console.log(
        `  settled: raw input consumed, no batch for ${settleMs / 1000} s; clock stopped at the last batch; ` +
          `lag left ${lag} (transaction markers; see settleMs)`,
      );
    else if (lag !== 0)
      console.log(`  DID NOT REACH LAG 0 within ${maxSeconds} s: ${lag} records left; figures below are partial`);
    for (const [name, stage] of figures) {
      const span = ((stage.last ?? 0) - (stage.first ?? 0)) / 1000;
      console.log(
        `  ${name.padEnd(10)} ${String(stage.records).padStart(7)} records ` +
          `${String(Math.round(stage.records / Math.max(span, 1e-3))).padStart(7)} events/s ` +
          `(${span.toFixed(1)} s active, ${stage.batches.length} batches, p95 batch ${p95(stage.batches).toFixed(1)} ms; ` +
          `decode + process ${((stage.processing / Math.max(stage.records, 1)) * 1e6).toFixed(1)} µs CPU/record)`,
      );
    }
    const processing = [...figures.values()].reduce((sum, stage) => sum + stage.processing, 0);
    console.log(
      `  decode + process ${processing.toFixed(1)} CPU-s in all stages; the rest of the CPU time is the log ` +
        '(polls, appends, commits), start-up and GC',
    );
    console.log(
      `  overall    ${Math.round(count / seconds)} executions/s (${seconds.toFixed(1)} s wall incl. start-up), ` +
        `${cpu.toFixed(1)} CPU-s, ${Math.round(count / cpu)} executions per CPU-second`,
    );
    await printVolumes(backend, prefix);
  } finally {
    await Promise.allSettled(running.map((processor) => processor.stop()));
    if (prefix) {
      const mine = (await backend.log.listTopics()).filter((name) => name.includes(prefix));
      await backend.log.deleteTopics(mine).catch(() => undefined);
    }
    await backend.close();
  }
}

if (which === 'embedded' || which === 'both') {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-chain-'));
  try {
    await run({ kind: 'embedded', path: join(directory, 'log.db'), schemaPath: join(directory, 'schemas.db') });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
if (which === 'kafka' || which === 'both') {
  const kafka = await requireService('kafka');
  const registry = await requireService('registry');
  await run({ kind: 'kafka', bootstrap: kafka.endpoints.bootstrap!, registryUrl: registry.endpoints.url! });
}
