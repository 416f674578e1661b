/**
 * The aggregate on the real runner (embedded SQLite log, and Kafka + the registry): its metric windows
 * and rollup contributions equal the test driver's on the same input, so the runner adds and loses
 * nothing (transactions per task, changelogs, timers on real partitions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireService } from '../../test/support/services.js';
import { startProcessor } from '../../pipeline/runtime/runner.js';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { openBackend, type Backend, type BackendSpec } from '../../pipeline/runtime/testing/backends.js';
import { readRecords, uniqueName } from '../../pipeline/runtime/testing/harness.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import type { MetricWindow } from '../../schemas/generated/types.js';
import { defineAggregateProcessor } from './processor.js';
import { makeExecution, type ExecutionFacts } from './testing.js';

const PARTITIONS = 3;
const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const config = { allowedLatenessMs: 60_000 };

/** 240 executions of 6 scenarios over 40 minutes, 20 s of disorder, then one far sentinel per partition. */
function input(): { facts: ExecutionFacts; partition?: number }[] {
  const rows: { facts: ExecutionFacts; partition?: number }[] = Array.from({ length: 240 }, (_, sequence) => ({
    facts: {
      scenarioId: 1 + (sequence % 6),
      teamId: 10 + (sequence % 2),
      organizationId: 7,
      timestamp: t0 + sequence * 10_000 - ((sequence * 7_919) % 20_000),
      status: sequence % 9 === 0 ? 'ERROR' : 'SUCCESS',
      duration: 100 + ((sequence * 131) % 5_000),
      operations: sequence % 5,
      transfer: sequence * 10,
      centicredits: sequence % 4 === 0 ? null : 100,
      sequence,
    },
  }));
  for (let partition = 0; partition < PARTITIONS; partition++) {
    rows.push({
      facts: { ...rows[0]!.facts, scenarioId: 999, timestamp: t0 + 10 * 3_600_000, sequence: 10_000 + partition },
      partition,
    });
  }
  return rows;
}

describe.each(['embedded', 'kafka'] as const)('aggregate on the runner, %s log', (kind) => {
  let backend: Backend;
  let directory: string | undefined;
  const created: string[] = [];

  beforeAll(async () => {
    let spec: BackendSpec;
    if (kind === 'kafka') {
      const kafka = await requireService('kafka');
      const registry = await requireService('registry');
      spec = { kind, bootstrap: kafka.endpoints.bootstrap!, registryUrl: registry.endpoints.url! };
    } else {
      directory = mkdtempSync(join(tmpdir(), 'makestream-aggregate-it-'));
      spec = { kind, path: join(directory, 'log.db'), schemaPath: join(directory, 'schemas.db') };
    }
    backend = openBackend(spec);
  });

  afterAll(async () => {
    if (kind === 'kafka' && created.length > 0) {
      const all = await backend.log.listTopics();
      await backend.log.deleteTopics(all.filter((topic) => created.some((name) => topic.includes(name))));
    }
    await backend?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('emits exactly the windows and rollup contributions of the test driver', async () => {
    const name = uniqueName(`agg-it-${kind.slice(0, 3)}`);
    created.push(name);
    const topics = { name, executions: `${name}.executions`, metrics: `${name}.metrics`, rollup: `${name}.rollup` };
    const definition = defineAggregateProcessor(topics);
    await backend.log.createTopics(
      [topics.executions, topics.metrics, topics.rollup].map((topic) => ({
        name: topic,
        partitions: PARTITIONS,
        retentionMs: -1,
      })),
    );
    const rows = input();
    const records = rows.map(({ facts, partition }) => ({
      key: String(facts.scenarioId),
      value: makeExecution(facts),
      timestamp: facts.timestamp,
      ...(partition === undefined ? {} : { partition }),
    }));

    const driver = createTestDriver(definition, { config, partitions: PARTITIONS });
    driver.pipe(topics.executions, records);
    const expectedWindows = driver.read<MetricWindow>(topics.metrics).map((record) => record.value);
    const expectedContributions = driver.read(topics.rollup).map((record) => record.value);
    expect(expectedWindows.length).toBeGreaterThan(100);

    const topicSerde = await backend.serde.forTopic<unknown>(
      topics.executions,
      loadSchemaCatalog().byFile('scenario-execution').text,
    );
    const producer = await backend.log.producer();
    await producer.send(
      topics.executions,
      records.map((record) => ({ ...record, value: topicSerde.encode(record.value) })),
    );
    await producer.close();

    const running = await startProcessor(definition, {
      log: backend.log,
      serde: backend.serde,
      config,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
      instanceId: 'it-1',
      maxRecords: 50,
      pollTimeoutMs: 100,
      sessionTimeoutMs: 6_000,
    });
    try {
      const windows = await readRecords(backend.log, topics.metrics, expectedWindows.length);
      const contributions = await readRecords(backend.log, topics.rollup, expectedContributions.length);
      const decoded = await Promise.all(
        windows.map(async (record) => (await backend.serde.decode(record.value!)) as MetricWindow),
      );
      const byId = (list: readonly MetricWindow[]) => [...list].sort((a, b) => a.eventId.localeCompare(b.eventId));
      expect(byId(decoded)).toEqual(byId(expectedWindows));
      const json = (list: readonly unknown[]) => list.map((value) => JSON.stringify(value)).sort();
      expect(json(contributions.map((record) => JSON.parse(record.value!.toString('utf8'))))).toEqual(
        json(expectedContributions),
      );
    } finally {
      await running.stop();
    }
  });
});
