/**
 * The runner on real logs (the embedded SQLite log and Kafka + registry), with the windowed counter:
 * replay determinism, kill -9 and restart, two instances in a group, and dead letters. Expected outputs
 * come from the test driver (the same task code, in memory), so the runner adds nothing and loses nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../test/support/services.js';
import { startChild, waitForLines } from '../log/embedded/testing/child.js';
import { deadLetterTopic } from '../topics.js';
import { silentLogger } from '../telemetry/logger.js';
import { createMetricsRegistry } from '../telemetry/metrics.js';
import type { DeadLetter } from '../../schemas/generated/types.js';
import { DEAD_LETTER_HEADERS } from './dead-letters.js';
import { startProcessor, type RunningProcessor } from './runner.js';
import { openBackend, type Backend, type BackendSpec } from './testing/backends.js';
import { executions } from './testing/executions.js';
import {
  appendExecutions,
  countsByKey,
  counterTopics,
  expectedCounts,
  readRecords,
  uniqueName,
  windowCounts,
} from './testing/harness.js';
import { windowedCounter, type WindowedCounterOptions } from './testing/windowed-counter.js';
import { avroTopic, defineMapper, jsonTopic } from './api.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';

const CHILD = '../../../runtime/testing/counter-process.ts';

describe.each(['embedded', 'kafka'] as const)('processor runner on the %s log', (kind) => {
  let spec: BackendSpec;
  let backend: Backend;
  let directory: string | undefined;
  const topics: string[] = [];

  beforeAll(async () => {
    if (kind === 'kafka') {
      const kafka = await requireService('kafka');
      const registry = await requireService('registry');
      spec = { kind, bootstrap: kafka.endpoints.bootstrap!, registryUrl: registry.endpoints.url! };
    } else {
      directory = mkdtempSync(join(tmpdir(), 'makestream-runtime-it-'));
      spec = { kind, path: join(directory, 'log.db'), schemaPath: join(directory, 'schemas.db') };
    }
    backend = openBackend(spec);
  });

  afterAll(async () => {
    if (kind === 'kafka' && topics.length > 0) {
      const all = await backend.log.listTopics();
      await backend.log.deleteTopics(all.filter((topic) => topics.some((prefix) => topic.includes(prefix))));
    }
    await backend?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function setup(prefix: string): Promise<WindowedCounterOptions> {
    const name = uniqueName(`it-${kind.slice(0, 3)}-${prefix}`);
    topics.push(name);
    return counterTopics(backend.log, name);
  }

  function start(options: WindowedCounterOptions, instanceId = 'it-1'): Promise<RunningProcessor> {
    return startProcessor(windowedCounter(options), {
      log: backend.log,
      serde: backend.serde,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
      instanceId,
      maxRecords: 50,
      pollTimeoutMs: 100,
      sessionTimeoutMs: 6000,
    });
  }

  const poison = new Set([17]);
  const input = executions({ count: 240, scenarios: 7, stepMs: 1000, poison });

  it('gives the same outputs per key as the test driver, on a second run, and across a stop/restart; poison goes to the DLQ alone', async () => {
    const first = await setup('replay');
    const expected = countsByKey(expectedCounts(first, input).counts);
    const expectedTotal = Object.values(expected).flat().length;
    await appendExecutions(backend.log, backend.serde, first.input, input);
    const running = await start(first);
    const outputs = windowCounts(await readRecords(backend.log, first.output, expectedTotal));
    await running.stop();
    expect(countsByKey(outputs)).toEqual(expected);

    // The dead letter: one, with its context; its neighbours were counted (the totals above).
    const letters = await readRecords(backend.log, deadLetterTopic(first.name).name, 1);
    expect(letters).toHaveLength(1);
    const letter = letters[0]!;
    const headers = Object.fromEntries(Object.entries(letter.headers).map(([name, value]) => [name, value.toString()]));
    expect(headers).toMatchObject({
      [DEAD_LETTER_HEADERS.processor]: first.name,
      [DEAD_LETTER_HEADERS.errorClass]: 'TypeError',
      [DEAD_LETTER_HEADERS.errorMessage]: 'Execution poison-17 is poison.',
      [DEAD_LETTER_HEADERS.sourceTopic]: first.input,
    });
    const value = (await backend.serde.decode(letter.value!)) as DeadLetter;
    expect(value).toMatchObject({
      stage: 'PROCESSING',
      component: `processors.${first.name}`,
      originalTopic: first.input,
      originalPartition: Number(headers[DEAD_LETTER_HEADERS.sourcePartition]),
      originalOffset: Number(headers[DEAD_LETTER_HEADERS.sourceOffset]),
      errorName: 'TypeError',
      consumerGroup: `makestream.processor.${first.name}`,
    });
    expect(value.originalValue).not.toBeNull();

    // A second processor over the same input, in two runs with a stop in between.
    const second = await setup('split');
    await appendExecutions(backend.log, backend.serde, second.input, input.slice(0, 120));
    const before = await start(second);
    await readRecords(backend.log, second.output, 1);
    await before.stop();
    await appendExecutions(backend.log, backend.serde, second.input, input.slice(120));
    const after = await start(second);
    const split = windowCounts(await readRecords(backend.log, second.output, expectedTotal));
    await after.stop();
    expect(countsByKey(split)).toEqual(expected);
  }, 180_000);

  it('loses and duplicates nothing when the process is killed with SIGKILL mid-stream and restarted', async () => {
    const options = await setup('kill');
    const expected = countsByKey(expectedCounts(options, input).counts);
    const expectedTotal = Object.values(expected).flat().length;
    const childInput = { backend: spec, counter: options, instanceId: 'it-kill', maxRecords: 10 };
    const first = startChild(CHILD, childInput);
    await waitForLines(first, 'the processor to start', 60_000, (lines) => lines.length > 0);
    await appendExecutions(backend.log, backend.serde, options.input, input, 20);
    // Kill it once some (not all) windows are out.
    const partial = await readRecords(backend.log, options.output, 5, { settleMs: 0 });
    expect(partial.length).toBeLessThan(expectedTotal);
    await first.kill();
    const second = startChild(CHILD, childInput);
    await waitForLines(second, 'the restarted processor', 60_000, (lines) => lines.length > 0);
    const outputs = windowCounts(await readRecords(backend.log, options.output, expectedTotal, { settleMs: 1500 }));
    await second.kill();
    expect(countsByKey(outputs)).toEqual(expected);
  }, 180_000);

  it('shares the partitions between two instances, state moving with them, and totals equal one instance', async () => {
    const options = await setup('pair');
    const expected = countsByKey(expectedCounts(options, input).counts);
    const expectedTotal = Object.values(expected).flat().length;
    const one = await start(options, 'it-a');
    await appendExecutions(backend.log, backend.serde, options.input, input.slice(0, 120));
    await readRecords(backend.log, options.output, 1, { settleMs: 0 });
    const two = await start(options, 'it-b');
    const deadline = Date.now() + 60_000;
    // tasks() is what each instance synced at its last poll: during the rebalance the old owner may
    // still list a task the new one already opened (it drops it at its next poll), so wait for both.
    const settled = (): boolean =>
      one.tasks().length > 0 && two.tasks().length > 0 && one.tasks().length + two.tasks().length === 3;
    while (!settled() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(one.tasks().length).toBeGreaterThan(0);
    expect(two.tasks().length).toBeGreaterThan(0);
    expect([...one.tasks(), ...two.tasks()].sort()).toEqual([0, 1, 2]);
    await appendExecutions(backend.log, backend.serde, options.input, input.slice(120));
    const outputs = windowCounts(await readRecords(backend.log, options.output, expectedTotal, { settleMs: 1500 }));
    await Promise.all([one.stop(), two.stop()]);
    expect(countsByKey(outputs)).toEqual(expected);
  }, 180_000);

  it('loads a global table before processing and follows it afterwards', async () => {
    const options = await setup('table');
    const names = `${options.name}.names`;
    await backend.log.createTopics([{ name: names, partitions: 2, compacted: true }]);
    const producer = await backend.log.producer();
    const name = (key: string, value: string | null) => ({
      key,
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
    });
    await producer.send(names, [name('1000', 'old'), name('1000', 'orders'), name('1001', 'gone'), name('1001', null)]);
    const tagger = defineMapper<unknown, ScenarioExecution>({
      name: options.name,
      description: 'tags executions with the scenario name from a table',
      inputs: [avroTopic(options.input, 'scenario-execution')],
      outputs: [jsonTopic(options.output)],
      tables: { names: jsonTopic(names) },
      map: (record, context) => [
        {
          topic: options.output,
          key: record.key,
          value: `${record.value.executionId}:${context.table<string>('names').get(record.key!) ?? '-'}`,
        },
      ],
    });
    const running = await startProcessor(tagger, {
      log: backend.log,
      serde: backend.serde,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
      instanceId: 'it-table',
      pollTimeoutMs: 100,
    });
    const [first, second] = executions({ count: 2, scenarios: 1 });
    await appendExecutions(backend.log, backend.serde, options.input, [first!]);
    const before = await readRecords(backend.log, options.output, 1, { settleMs: 0 });
    await producer.send(names, [name('1000', 'invoices')]);
    await producer.close();
    // The follower takes the update in within a few batches.
    let after: string[] = [];
    const deadline = Date.now() + 30_000;
    while (!after.some((value) => value.endsWith(':invoices')) && Date.now() < deadline) {
      await appendExecutions(backend.log, backend.serde, options.input, [second!]);
      const records = await readRecords(backend.log, options.output, 1_000_000, { timeoutMs: 500, settleMs: 0 });
      after = records.map((record) => JSON.parse(record.value!.toString()) as string);
    }
    await running.stop();
    expect(before.map((record) => JSON.parse(record.value!.toString()) as string)).toEqual(['exec-0:orders']);
    expect(after.at(-1)).toBe('exec-1:invoices');
  }, 120_000);
});
