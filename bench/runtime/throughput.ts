/**
 * Processor runtime throughput: events/s of a trivial mapper and of the windowed counter through the
 * runner (decode, process, encode, one transaction per task and batch), on the embedded log and on
 * Kafka, with the p95 batch latency (poll-to-commit). Input is appended before the processor starts;
 * the clock runs from start until the group's lag is 0.
 *
 *   node --import tsx bench/runtime/throughput.ts [records=20000] [embedded|kafka|both=both]   (Kafka needs the local stack)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  avroTopic,
  defineMapper,
  jsonTopic,
  processorGroup,
  type ProcessorDefinition,
} from '../../pipeline/runtime/api.js';
import { startProcessor } from '../../pipeline/runtime/runner.js';
import { openBackend, type Backend, type BackendSpec } from '../../pipeline/runtime/testing/backends.js';
import { executions } from '../../pipeline/runtime/testing/executions.js';
import { appendExecutions, counterTopics, uniqueName } from '../../pipeline/runtime/testing/harness.js';
import { windowedCounter, type WindowedCounterOptions } from '../../pipeline/runtime/testing/windowed-counter.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { requireService } from '../../test/support/services.js';

const count = Number(process.argv[2] ?? 20_000);
const backends = process.argv[3] ?? 'both';

const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

function mapper(options: WindowedCounterOptions): ProcessorDefinition<unknown, ScenarioExecution> {
  return defineMapper<unknown, ScenarioExecution>({
    name: options.name,
    description: 'bench: one JSON record per execution',
    inputs: [avroTopic(options.input, 'scenario-execution')],
    outputs: [jsonTopic(options.output)],
    map: (record) => [
      {
        topic: options.output,
        key: record.key,
        value: { scenarioId: record.value.scenarioId, executionId: record.value.executionId },
      },
    ],
  });
}

async function measure(backend: Backend, kind: string, label: string, make: typeof mapper): Promise<void> {
  const options = await counterTopics(backend.log, uniqueName(`bench-runtime-${label}`));
  await appendExecutions(
    backend.log,
    backend.serde,
    options.input,
    executions({ count, scenarios: 50, stepMs: 100 }),
    1000,
  );
  const batches: number[] = [];
  let processing = 0;
  const started = performance.now();
  const cpuStarted = cpuSeconds();
  const running = await startProcessor(make(options), {
    log: backend.log,
    serde: backend.serde,
    logger: silentLogger,
    metrics: createMetricsRegistry(),
    instanceId: 'bench',
    maxRecords: 500,
    pollTimeoutMs: 100,
    onBatch: ({ seconds, processingSeconds }) => {
      batches.push(seconds * 1000);
      processing += processingSeconds;
    },
  });
  for (;;) {
    const lag = await backend.log.lag(processorGroup(options.name), options.input);
    if (lag.every((partition) => partition.committed !== undefined && partition.lag === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuStarted;
  await running.stop();
  batches.sort((a, b) => a - b);
  const p95 = batches[Math.min(batches.length - 1, Math.floor(batches.length * 0.95))] ?? 0;
  console.log(
    `${kind.padEnd(9)} ${label.padEnd(8)} ${String(Math.round(count / seconds)).padStart(7)} events/s  ` +
      `(${count} in ${seconds.toFixed(1)} s incl. start-up, ${batches.length} batches, p95 batch ${p95.toFixed(1)} ms); ` +
      `${Math.round(count / cpu)} events per CPU-second (${((cpu / count) * 1e6).toFixed(1)} µs CPU/record, ` +
      `of which decode + process ${((processing / count) * 1e6).toFixed(1)})`,
  );
  if (backend.log.backend === 'kafka') {
    const all = await backend.log.listTopics();
    await backend.log.deleteTopics(all.filter((topic) => topic.includes(options.name)));
  }
}

async function run(spec: BackendSpec): Promise<void> {
  const backend = openBackend(spec);
  try {
    await measure(backend, spec.kind, 'mapper', mapper);
    await measure(backend, spec.kind, 'counter', (options) => windowedCounter(options));
  } finally {
    await backend.close();
  }
}

if (backends === 'embedded' || backends === 'both') {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-runtime-'));
  try {
    await run({ kind: 'embedded', path: join(directory, 'log.db'), schemaPath: join(directory, 'schemas.db') });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
if (backends === 'kafka' || backends === 'both') {
  const kafka = await requireService('kafka');
  const registry = await requireService('registry');
  await run({ kind: 'kafka', bootstrap: kafka.endpoints.bootstrap!, registryUrl: registry.endpoints.url! });
}
