/**
 * Test support for the runner's integration tests and benchmark: topics for a windowed-counter run,
 * appending executions, reading outputs and dead letters, the expected outputs from the test driver.
 */
import type { EventLog, LogRecord } from '../../log/contract.js';
import type { AvroSerde } from '../../serde/index.js';
import { loadSchemaCatalog } from '../../../schemas/catalog.js';
import { createTestDriver } from '../test-driver.js';
import type { BackendSpec } from './backends.js';
import type { KeyedExecution } from './executions.js';
import { windowedCounter, type WindowCount, type WindowedCounterOptions } from './windowed-counter.js';

let counter = 0;

/** A name no other run uses (lowercase: processor names allow letters, digits and dashes). */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/** Creates input and output topics for a counter. */
export async function counterTopics(log: EventLog, name: string, partitions = 3): Promise<WindowedCounterOptions> {
  const options = { name, input: `${name}.in`, output: `${name}.out`, windowMs: 10_000 };
  await log.createTopics([
    { name: options.input, partitions, retentionMs: -1 },
    { name: options.output, partitions, retentionMs: -1 },
  ]);
  return options;
}

/** Appends executions (Avro) to `topic`, `chunk` records per send. */
export async function appendExecutions(
  log: EventLog,
  serde: AvroSerde,
  topic: string,
  records: readonly KeyedExecution[],
  chunk = 100,
): Promise<void> {
  const topicSerde = await serde.forTopic(topic, loadSchemaCatalog().byFile('scenario-execution').text);
  const producer = await log.producer();
  try {
    for (let index = 0; index < records.length; index += chunk) {
      await producer.send(
        topic,
        records.slice(index, index + chunk).map((record) => ({
          key: record.key,
          value: topicSerde.encode(record.value),
          timestamp: record.timestamp,
        })),
      );
    }
  } finally {
    await producer.close();
  }
}

/** Reads committed records of `topic` until `count` arrived, then `settleMs` more (to see extras). */
export async function readRecords(
  log: EventLog,
  topic: string,
  count: number,
  { timeoutMs = 60_000, settleMs = 500 }: { timeoutMs?: number; settleMs?: number } = {},
): Promise<LogRecord[]> {
  const consumer = await log.consumer({ groupId: uniqueName('it-read'), topics: [topic], maxRecords: 1000 });
  const records: LogRecord[] = [];
  try {
    const deadline = Date.now() + timeoutMs;
    while (records.length < count && Date.now() < deadline) records.push(...(await consumer.poll(200)));
    const settle = Date.now() + settleMs;
    while (Date.now() < settle) records.push(...(await consumer.poll(100)));
  } finally {
    await consumer.close();
  }
  return records;
}

/** Window counts per key, in order (what must be equal between runs). */
export function countsByKey(values: readonly WindowCount[]): Record<string, WindowCount[]> {
  const byKey: Record<string, WindowCount[]> = {};
  for (const value of values) (byKey[value.scenarioId] ??= []).push(value);
  return byKey;
}

/** Decodes the JSON outputs of the counter. */
export function windowCounts(records: readonly LogRecord[]): WindowCount[] {
  return records.map((record) => JSON.parse(record.value!.toString('utf8')) as WindowCount);
}

/** The counter's outputs on `records` according to the test driver (same partitioning). */
export function expectedCounts(options: WindowedCounterOptions, records: readonly KeyedExecution[], partitions = 3) {
  const driver = createTestDriver(windowedCounter(options), {
    partitions: { [options.input]: partitions, [options.output]: partitions },
  });
  driver.pipe(options.input, records);
  return { counts: driver.read<WindowCount>(options.output).map((record) => record.value), driver };
}

/** The backend spec tests pass to child processes. */
export type { BackendSpec };
