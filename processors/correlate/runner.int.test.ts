/**
 * enrich → correlate → incidents on the real runner over the embedded log: the three processors,
 * each started on its own as in production, emit exactly the enriched logs and incident revisions the
 * test driver gives for the same input (one partition per topic, so both see one order), through
 * Avro with the schema store, transactions, changelogs and event-time timers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ProcessorDefinition } from '../../pipeline/runtime/api.js';
import { startProcessor, type RunningProcessor } from '../../pipeline/runtime/runner.js';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { openBackend, type Backend } from '../../pipeline/runtime/testing/backends.js';
import { readRecords } from '../../pipeline/runtime/testing/harness.js';
import { silentLogger } from '../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../pipeline/telemetry/metrics.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import type { Incident, ScenarioCatalogEntry, ScenarioExecution } from '../../schemas/generated/types.js';
import { enrichProcessor } from '../enrich/processor.js';
import { correlateProcessor, incidentsProcessor } from './processor.js';
import { testCatalogEntry, testExecution } from './testing.js';

const topics = {
  raw: 'make.executions.raw.v1',
  catalog: 'make.scenarios.v1',
  enriched: 'make.logs.enriched.v1',
  occurrences: 'makestream.correlate.occurrences',
  incidents: 'make.incidents.v1',
};

/** One partition per topic: one correlate task writes the occurrences (incidents wait for it alone). */
const incidentsConfig = { correlateTasks: 1 };

/** Opens (3 scenarios), quiet successes (resolves), recurrence (reopens). */
function script(): ScenarioExecution[] {
  const steps: [number, number, boolean][] = [
    [1, 0, true],
    [2, 1, true],
    [1, 2, true],
    [3, 3, true],
    ...Array.from({ length: 30 }, (_, index): [number, number, boolean] => [1 + (index % 3), 5 + index * 2, false]),
    [2, 70, true],
    // Incidents apply an occurrence once the aligned watermark passes it (heartbeats lag the group
    // timeout and the lateness: 15 min), so time moves on past the recurrence.
    [1, 88, false],
    [1, 90, false],
  ];
  return steps.map(([scenarioId, minute, fails], index) =>
    testExecution({ number: index + 1, scenarioId, minute, ...(fails ? {} : { error: null }) }),
  );
}

describe('enrich → correlate → incidents on the runner, embedded log', () => {
  let backend: Backend;
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'makestream-correlate-it-'));
    backend = openBackend({
      kind: 'embedded',
      path: join(directory, 'log.db'),
      schemaPath: join(directory, 'schemas.db'),
    });
  });

  afterAll(async () => {
    await backend?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('emits exactly what the test driver emits', async () => {
    const catalog = [1, 2, 3].map((id) => testCatalogEntry(id, `Orders ${id}`));
    const executions = script();

    const driver = createTestDriver([enrichProcessor, correlateProcessor, incidentsProcessor], {
      partitions: 1,
      configs: { incidents: incidentsConfig },
    });
    driver.table<ScenarioCatalogEntry>(
      'catalog',
      catalog.map((entry) => ({ key: String(entry.scenarioId), value: entry })),
    );
    for (const value of executions) {
      driver.pipe(topics.raw, [{ key: String(value.scenarioId), value, timestamp: value.ingestedAt }]);
    }
    const expectedLogs = driver.read(topics.enriched).map((record) => record.value);
    const expectedIncidents = driver.read<Incident>(topics.incidents).map((record) => record.value);
    expect(expectedIncidents.map((incident) => incident.state)).toEqual(['OPEN', 'ONGOING', 'RESOLVED', 'REOPENED']);
    driver.close();

    await backend.log.createTopics(Object.values(topics).map((name) => ({ name, partitions: 1, retentionMs: -1 })));
    const schemas = loadSchemaCatalog();
    const catalogSerde = await backend.serde.forTopic<ScenarioCatalogEntry>(
      topics.catalog,
      schemas.byFile('scenario-catalog-entry').text,
    );
    const rawSerde = await backend.serde.forTopic<ScenarioExecution>(
      topics.raw,
      schemas.byFile('scenario-execution').text,
    );
    const producer = await backend.log.producer();
    await producer.send(
      topics.catalog,
      catalog.map((entry) => ({
        key: String(entry.scenarioId),
        value: catalogSerde.encode(entry),
        timestamp: entry.observedAt,
      })),
    );
    await producer.send(
      topics.raw,
      executions.map((value) => ({
        key: String(value.scenarioId),
        value: rawSerde.encode(value),
        timestamp: value.ingestedAt,
      })),
    );
    await producer.close();

    const running: RunningProcessor[] = [];
    try {
      const chain = [enrichProcessor, correlateProcessor, incidentsProcessor] as readonly ProcessorDefinition<
        unknown,
        unknown
      >[];
      for (const definition of chain) {
        running.push(
          await startProcessor(definition, {
            log: backend.log,
            serde: backend.serde,
            logger: silentLogger,
            metrics: createMetricsRegistry(),
            instanceId: 'it-1',
            config: definition.name === 'incidents' ? incidentsConfig : undefined,
            maxRecords: 7,
            pollTimeoutMs: 100,
            sessionTimeoutMs: 6_000,
          }),
        );
      }
      const logs = await readRecords(backend.log, topics.enriched, expectedLogs.length);
      const incidents = await readRecords(backend.log, topics.incidents, expectedIncidents.length);
      const decode = (records: typeof logs) =>
        Promise.all(records.map(async (record) => backend.serde.decode(record.value!)));
      expect(JSON.parse(JSON.stringify(await decode(logs)))).toEqual(JSON.parse(JSON.stringify(expectedLogs)));
      expect(JSON.parse(JSON.stringify(await decode(incidents)))).toEqual(
        JSON.parse(JSON.stringify(expectedIncidents)),
      );
    } finally {
      for (const processor of running.reverse()) await processor.stop();
    }
  }, 120_000);
});
