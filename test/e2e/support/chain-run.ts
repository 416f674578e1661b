/**
 * Runs the whole processor chain as `makestream run` does (`startPipeline` of `pipeline/app`: the
 * catalogue's topics and the processors' own topics created, every registered processor started
 * through the real runner; here with no source and no sink), feeds it a fixed input, waits until
 * every group has consumed everything, and snapshots every output topic for comparison.
 */
import { startPipeline, type RunningPipeline } from '../../../pipeline/app/pipeline.js';
import { makestreamConfigSchema } from '../../../pipeline/config/makestream.js';
import type { EventLog, LogRecord } from '../../../pipeline/log/contract.js';
import type { z } from 'zod';
import { changelogTopic, processorGroup } from '../../../pipeline/runtime/api.js';
import type { processorRuntimeConfigSchema } from '../../../pipeline/runtime/config.js';
import type { AvroSerde } from '../../../pipeline/serde/index.js';
import { decodeWireFormat } from '../../../pipeline/serde/wire-format.js';
import { silentLogger } from '../../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../../pipeline/telemetry/metrics.js';
import { topicCatalogue } from '../../../pipeline/topics.js';
import { registeredProcessors } from '../../../processors/index.js';
import { loadSchemaCatalog } from '../../../schemas/catalog.js';
import type { DeadLetter } from '../../../schemas/generated/types.js';
import type { ChainInput, RawInput } from './chain-data.js';

/** The topics the input goes to. */
export const inputTopics = { executions: 'make.executions.raw.v1', catalog: 'make.scenarios.v1' } as const;

/**
 * Runtime settings of the chain runs (small batches: many transactions, many batch boundaries).
 * `catchUpIdleMs` keeps its default (1500 ms on Kafka): restores end after that long without
 * records, and with 300 ms a loaded machine restored part of a changelog after the restart and
 * lost 15 metric windows and 14 rollup contributions, the same every time (measured).
 */
export const chainRuntime = { maxRecords: 200, pollTimeoutMs: 100, sessionTimeoutMs: 6000 };

/** Starts every registered processor on `log` exactly as `makestream run` would, with no source or sink. */
export async function startChain(
  log: EventLog,
  serde: AvroSerde,
  instanceId: string,
  runtime: Partial<z.input<typeof processorRuntimeConfigSchema>> = {},
): Promise<RunningPipeline> {
  const keepForever = Object.fromEntries(
    [...topicCatalogue.map((topic) => topic.name), 'siem.ecs.v1', 'siem.cef.v1'].map((name) => [
      name,
      { retentionMs: -1 }, // the input's event times are weeks old: time-based retention must not apply
    ]),
  );
  const config = makestreamConfigSchema.parse({
    logLevel: 'silent',
    metrics: { enabled: false },
    sinks: {},
    runtime: { processors: { ...chainRuntime, ...runtime } },
    topics: { overrides: keepForever },
  });
  return startPipeline(config, { log, serde, logger: silentLogger, metrics: createMetricsRegistry(), instanceId });
}

/** Appends the catalogue (compacted table) to its topic. */
export async function appendCatalog(log: EventLog, serde: AvroSerde, input: ChainInput): Promise<void> {
  const topicSerde = await serde.forTopic(
    inputTopics.catalog,
    loadSchemaCatalog().byFile('scenario-catalog-entry').text,
  );
  const producer = await log.producer();
  try {
    await producer.send(
      inputTopics.catalog,
      input.catalog.map((entry) => ({ key: String(entry.scenarioId), value: topicSerde.encode(entry) })),
    );
  } finally {
    await producer.close();
  }
}

/** Appends raw executions (and poison records) in order, `chunk` per send. */
export async function appendExecutions(
  log: EventLog,
  serde: AvroSerde,
  records: readonly RawInput[],
  chunk = 250,
): Promise<void> {
  const topicSerde = await serde.forTopic(
    inputTopics.executions,
    loadSchemaCatalog().byFile('scenario-execution').text,
  );
  const producer = await log.producer();
  try {
    for (let from = 0; from < records.length; from += chunk) {
      await producer.send(
        inputTopics.executions,
        records.slice(from, from + chunk).map((record) => ({
          key: record.key,
          value: record.kind === 'execution' ? topicSerde.encode(record.value) : record.bytes,
          timestamp: record.timestamp,
        })),
      );
    }
  } finally {
    await producer.close();
  }
}

/** Each group's lag per input partition (every processor, every input), in a fixed order. */
export async function chainLags(log: EventLog): Promise<{ readonly where: string; readonly lag: number }[]> {
  const lags: { where: string; lag: number }[] = [];
  for (const { definition } of registeredProcessors) {
    for (const input of definition.inputs) {
      for (const partition of await log.lag(processorGroup(definition.name), input.topic)) {
        lags.push({ where: `${definition.name}@${input.topic}[${partition.partition}]`, lag: partition.lag });
      }
    }
  }
  return lags;
}

/**
 * The most commit markers that can follow the last record of a drained partition on Kafka: one per
 * task writing it (make.metrics.v1: 6 aggregate + 6 rollup tasks). Real records left behind a
 * rebalance are far more; the stable wait covers the rest.
 */
const MARKER_SLACK = 12;

/**
 * Waits until every group has consumed everything. On the embedded log: lag 0 everywhere,
 * `stableMs` long. On Kafka a drained partition written in transactions keeps a lag of its
 * commit markers (the end offset counts them; a consumer commits the offset after its last record),
 * so there: the raw input at lag 0, every other partition at most {@link MARKER_SLACK} behind, and no
 * lag changing for `stableMs`.
 */
export async function waitUntilDrained(log: EventLog, timeoutMs: number, stableMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  let stableSince = Date.now();
  for (;;) {
    const lags = await chainLags(log);
    const state = JSON.stringify(lags);
    if (state !== previous) [previous, stableSince] = [state, Date.now()];
    const drained =
      log.backend === 'embedded'
        ? lags.every(({ lag }) => lag === 0)
        : lags.every(({ where, lag }) =>
            where.includes(`@${inputTopics.executions}[`) ? lag === 0 : lag <= MARKER_SLACK,
          );
    if (drained && Date.now() - stableSince >= stableMs) return;
    if (Date.now() > deadline) {
      const left = lags.filter(({ lag }) => lag > 0).map(({ where, lag }) => `${where}: ${lag}`);
      throw new Error(`The chain has not drained after ${timeoutMs} ms; lag left: ${left.join(', ')}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One output record as compared between runs (one line of text). */
export type RecordLine = string;

/** Output topics by name, each a list of partitions, each the records' lines in offset order. */
export type Snapshot = Record<string, RecordLine[][]>;

/** Topics that are not outputs: the input, and changelogs (their records follow batch boundaries). */
function isOutput(topic: string): boolean {
  if (topic === inputTopics.executions || topic === inputTopics.catalog) return false;
  return !registeredProcessors.some(({ definition }) =>
    [...(definition.stores ?? []), '_runtime'].some((store) => changelogTopic(definition.name, store) === topic),
  );
}

/** Topics stamped with the wall clock by design (retention counts from the failure): DLQs, late side outputs. */
const wallClockStamped = (topic: string): boolean => topic.startsWith('makestream.dlq.') || topic.endsWith('.late');

/**
 * Reads every output topic of the chain (committed records only) and renders each record as one
 * line: key, value bytes (hex), headers in name order, and the timestamp — except where the runtime
 * stamps records with the wall clock by design (dead letters' `failedAt` and record time, late
 * side-output record time) and a dead letter's `errorStack` (process-specific), which are left out,
 * everything else of those records kept.
 */
export async function snapshotOutputs(log: EventLog, idleMs: number): Promise<Snapshot> {
  const topics = (await log.listTopics()).filter(isOutput).sort();
  const partitions = new Map<string, number>();
  for (const topic of topics) partitions.set(topic, (await log.describeTopic(topic)).partitions);
  // Dead letters are decoded with the repository's schema (the writer's), not through the registry.
  const deadLetterType = loadSchemaCatalog().byFile('dead-letter').type;
  const consumer = await log.consumer({
    groupId: `snapshot-${Date.now().toString(36)}-${process.pid}`,
    topics,
    startFrom: 'earliest',
    readCommitted: true,
    maxRecords: 5000,
  });
  const records: LogRecord[] = [];
  try {
    let idleSince = Date.now();
    while (Date.now() - idleSince < idleMs || records.length === 0) {
      const batch = await consumer.poll(200);
      if (batch.length > 0) idleSince = Date.now();
      records.push(...batch);
      if (Date.now() - idleSince > 30_000) break; // nothing at all: the comparison will say so
    }
  } finally {
    await consumer.close();
  }
  const snapshot: Snapshot = {};
  for (const topic of topics) snapshot[topic] = Array.from({ length: partitions.get(topic)! }, () => []);
  records.sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset,
  );
  for (const record of records) {
    const stamped = wallClockStamped(record.topic);
    let value = record.value === null ? 'null' : record.value.toString('hex');
    if (stamped && record.topic.startsWith('makestream.dlq.') && record.value !== null) {
      const letter = deadLetterType.fromBuffer(decodeWireFormat(record.value).body) as DeadLetter;
      // failedAt is the wall clock; errorStack names the checkout's paths and, below the throw, whatever
      // the event loop was doing (timers, microtasks): diagnostics, not a function of the input.
      value = JSON.stringify(
        { ...letter, failedAt: 'wall clock', errorStack: 'process-specific' },
        (_key, item: unknown) => (item instanceof Buffer ? item.toString('hex') : item),
      );
    }
    const headers = Object.keys(record.headers)
      .sort()
      .map((name) => `${name}=${record.headers[name]!.toString('hex')}`)
      .join(',');
    const key = record.key === null ? 'null' : record.key.toString('hex');
    snapshot[record.topic]![record.partition]!.push(
      `key=${key} time=${stamped ? 'wall clock' : record.timestamp} headers=${headers} value=${value}`,
    );
  }
  return snapshot;
}

/** How many records a snapshot holds per topic (for messages and for checking the input reached every stage). */
export function snapshotCounts(snapshot: Snapshot): Record<string, number> {
  return Object.fromEntries(
    Object.entries(snapshot).map(([topic, partitions]) => [
      topic,
      partitions.reduce((sum, lines) => sum + lines.length, 0),
    ]),
  );
}
