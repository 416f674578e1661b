import { describe, expect, it } from '@jest/globals';
import { createTestDriver, type TestDriver } from '../../pipeline/runtime/test-driver.js';
import type { Incident, ScenarioCatalogEntry, ScenarioExecution } from '../../schemas/generated/types.js';
import { enrichExecution } from '../enrich/enrich.js';
import { enrichProcessor } from '../enrich/processor.js';
import { builtInRedactionRules, createRedactor } from '../enrich/redact.js';
import { secretCorpus } from '../enrich/redaction-corpus.js';
import { correlateProcessor, incidentsProcessor } from './processor.js';
import { MINUTE, settle, testCatalogEntry, testExecution, timelineStart } from './testing.js';

function chain(): TestDriver {
  const driver = createTestDriver([enrichProcessor, correlateProcessor, incidentsProcessor]);
  driver.table<ScenarioCatalogEntry>(
    'catalog',
    [1, 2, 3].map((id) => ({ key: String(id), value: testCatalogEntry(id) })),
  );
  return driver;
}

function pipe(driver: TestDriver, value: ScenarioExecution): void {
  driver.pipe('make.executions.raw.v1', [{ key: String(value.scenarioId), value, timestamp: value.ingestedAt }]);
}

const topics = [
  'make.logs.enriched.v1',
  'makestream.correlate.occurrences',
  'make.incidents.v1',
  'makestream.processor.incidents.late',
];

describe('enrich → correlate → incidents', () => {
  it('lets no secret of the corpus reach any topic, incidents included', () => {
    const driver = chain();
    let number = 0;
    secretCorpus.forEach((entry, index) => {
      // Three executions per secret, in three scenarios: enough to open one incident per secret.
      for (const scenarioId of [1, 2, 3]) {
        number += 1;
        pipe(
          driver,
          testExecution({
            number,
            scenarioId,
            minute: index * 60 + scenarioId,
            error: { name: 'RuntimeError', message: entry.message, causeModuleName: 'HTTP', causeModuleApp: 'http' },
          }),
        );
      }
    });
    settle(driver, [1, 2, 3], secretCorpus.length * 60 + 30);
    const incidents = driver.read<Incident>('make.incidents.v1');
    expect(incidents.filter((record) => record.value.state === 'OPEN').length).toBeGreaterThanOrEqual(20);
    for (const topic of topics) {
      const text = JSON.stringify(driver.read(topic).map((record) => record.value));
      for (const entry of secretCorpus) {
        for (const spelling of [entry.secret, ...(entry.variants ?? [])]) {
          expect({ topic, rule: entry.rule, leaked: text.includes(JSON.stringify(spelling).slice(1, -1)) }).toEqual({
            topic,
            rule: entry.rule,
            leaked: false,
          });
        }
      }
    }
    expect(driver.deadLetters('enrich')).toEqual([]);
    driver.close();
  });

  it('counts executions longer than the lateness at their start, not late', () => {
    const driver = chain();
    for (const [number, minute] of [
      [1, 0],
      [2, 1],
      [3, 2],
    ] as const) {
      const execution = testExecution({ number, scenarioId: number, minute });
      // A 9-minute execution: its failing module reports 9 minutes after the start.
      const module = { ...execution.modules![0]!, timestamp: execution.timestamp + 9 * MINUTE };
      pipe(driver, { ...execution, duration: 9 * MINUTE, modules: [module] });
      // The scenario's next run moves its correlate task's watermark past the module's report.
      pipe(driver, testExecution({ number: number + 10, scenarioId: number, minute: 9.5, error: null }));
    }
    settle(driver, [1, 2, 3], 30);
    const [incident] = driver.read<Incident>('make.incidents.v1').map((record) => record.value);
    expect(incident).toMatchObject({
      state: 'OPEN',
      occurrences: 3,
      firstSeen: timelineStart,
      affectedScenarioIds: [1, 2, 3],
    });
    expect(driver.late('incidents')).toEqual([]);
    driver.close();
  });

  it('closes an execution whose last record never comes after the group timeout', () => {
    const driver = createTestDriver([correlateProcessor, incidentsProcessor]);
    const context = { redact: createRedactor(builtInRedactionRules), tags: [], labels: {} };
    const enriched = (execution: ScenarioExecution) => enrichExecution(execution, undefined, context).records;
    for (const [number, minute] of [
      [1, 0],
      [2, 1],
      [3, 2],
    ] as const) {
      const execution = testExecution({ number, scenarioId: 1, minute });
      const [module] = execution.modules!;
      // Two module entries, but the last (successful) one never reaches correlate.
      const records = enriched({
        ...execution,
        modules: [module!, { ...module!, moduleId: 5, error: null, status: 'SUCCESS' }],
      });
      driver.pipe(
        'make.logs.enriched.v1',
        records.slice(0, -1).map((value) => ({ key: '1', value })),
      );
    }
    expect(driver.counters('correlate')['groups.timed-out'] ?? 0).toBe(0);
    expect(driver.read('make.incidents.v1')).toEqual([]);
    // Event time moves on in the same task: the groups time out 10 minutes after their start.
    const later = enriched(testExecution({ number: 4, scenarioId: 1, minute: 13, error: null }));
    driver.pipe(
      'make.logs.enriched.v1',
      later.map((value) => ({ key: '1', value })),
    );
    expect(driver.counters('correlate')['groups.timed-out']).toBe(3);
    // Incidents apply the occurrences once every correlate task passed them: this one (its
    // heartbeats) and the five without input (idle).
    for (const number of [5, 6]) {
      const records = enriched(testExecution({ number, scenarioId: 1, minute: 30, error: null }));
      driver.pipe(
        'make.logs.enriched.v1',
        records.map((value) => ({ key: '1', value })),
      );
    }
    driver.idle({ processor: 'correlate', idleForMs: 0 });
    const [incident] = driver.read<Incident>('make.incidents.v1').map((record) => record.value);
    expect(incident).toMatchObject({ state: 'OPEN', occurrences: 3, firstSeen: timelineStart });
    driver.close();
  });
});
