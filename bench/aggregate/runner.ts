/**
 * The aggregate through the real processor runner (`pipeline/runtime/runner.ts`): per-task
 * transactions with outputs, changelogs and offsets, on the embedded log or on Kafka + the registry.
 * The input is appended first; the clock runs from the processor's start until its group has
 * committed every input record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { avroTopic, processorGroup } from '../../pipeline/runtime/api.js';
import { createCatalogCodec } from '../../pipeline/runtime/catalog-codec.js';
import { startProcessor } from '../../pipeline/runtime/runner.js';
import { openBackend, type Backend } from '../../pipeline/runtime/testing/backends.js';
import { decodeWireFormat, encodeWireFormat } from '../../pipeline/serde/index.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import { defineAggregateProcessor } from '../../processors/aggregate/index.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import type { EncodedExecution } from './data.js';

/** Result of one runner run. */
export interface RunnerResult {
  readonly backend: 'embedded' | 'kafka';
  readonly events: number;
  readonly startupSeconds: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly cpuSeconds: number;
  readonly eventsPerCpuSecond: number;
}

/** Runs the aggregate over `input` on a fresh set of topics of `kind`. */
export async function runOnRunner(
  kind: 'embedded' | 'kafka',
  input: readonly EncodedExecution[],
  options: { partitions: number; brokers: string; registryUrl: string; config: unknown },
): Promise<RunnerResult> {
  const directory = kind === 'embedded' ? mkdtempSync(join(tmpdir(), 'makestream-bench-aggregate-')) : undefined;
  const backend: Backend = openBackend(
    directory
      ? { kind: 'embedded', path: join(directory, 'log.db'), schemaPath: join(directory, 'schemas.db') }
      : { kind: 'kafka', bootstrap: options.brokers, registryUrl: options.registryUrl },
  );
  const name = `bench-aggregate-${Date.now().toString(36)}`;
  const topics = { name, executions: `${name}.executions`, metrics: `${name}.metrics`, rollup: `${name}.rollup` };
  try {
    await backend.log.createTopics(
      [topics.executions, topics.metrics, topics.rollup].map((topic) => ({
        name: topic,
        partitions: options.partitions,
        retentionMs: -1,
      })),
    );
    // The pre-encoded values carry the catalog codec's schema id; the Avro body is the same, so only
    // the id is swapped for the one this backend's registry gives the schema.
    const schema = loadSchemaCatalog().byFile('scenario-execution').text;
    const topicSerde = await backend.serde.forTopic(topics.executions, schema);
    if (input.length === 0) throw new Error('The benchmark needs at least one execution.');
    const sample = createCatalogCodec().decode(avroTopic(topics.executions, 'scenario-execution'), input[0]!.value);
    const { schemaId } = decodeWireFormat(topicSerde.encode(sample));
    const producer = await backend.log.producer();
    for (let from = 0; from < input.length; from += 1_000) {
      await producer.send(
        topics.executions,
        input.slice(from, from + 1_000).map((record) => ({
          key: record.key,
          value: encodeWireFormat(schemaId, decodeWireFormat(record.value).body),
          timestamp: record.timestamp,
        })),
      );
    }
    await producer.close();

    const cpu = (): number => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    };
    const started = performance.now();
    const cpuStarted = cpu();
    const running = await startProcessor(defineAggregateProcessor(topics), {
      log: backend.log,
      serde: backend.serde,
      config: options.config,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
      instanceId: 'bench-1',
      maxRecords: 1_000,
      sessionTimeoutMs: 60_000,
    });
    const startupSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 900_000;
    for (;;) {
      const lag = (await backend.log.lag(processorGroup(name), topics.executions)).reduce((sum, p) => sum + p.lag, 0);
      if (lag === 0) break;
      if (Date.now() > deadline) throw new Error(`The runner still lags ${lag} records after 15 minutes.`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpu() - cpuStarted;
    await running.stop();
    return {
      backend: kind,
      events: input.length,
      startupSeconds: round(startupSeconds),
      seconds: round(seconds),
      eventsPerSecond: Math.round(input.length / seconds),
      cpuSeconds: round(cpuSeconds),
      eventsPerCpuSecond: Math.round(input.length / cpuSeconds),
    };
  } finally {
    if (kind === 'kafka') {
      const mine = (await backend.log.listTopics()).filter((topic) => topic.includes(name));
      await backend.log.deleteTopics(mine).catch(() => undefined);
    }
    await backend.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Number(value.toFixed(2));
}
