import { describe, expect, it } from '@jest/globals';
import { incidentEventId } from '../../pipeline/ids.js';
import { createTestDriver, type TestDriver } from '../../pipeline/runtime/test-driver.js';
import type { Incident, ScenarioCatalogEntry, ScenarioExecution } from '../../schemas/generated/types.js';
import { enrichProcessor } from '../enrich/processor.js';
import { correlateProcessor, incidentsProcessor } from './processor.js';
import { MINUTE, settle, testCatalogEntry, testExecution, timelineStart } from './testing.js';

const A = 90421;
const B = 90422;
const C = 90423;
const D = 90424;

function chain(): TestDriver {
  const driver = createTestDriver([enrichProcessor, correlateProcessor, incidentsProcessor]);
  driver.table<ScenarioCatalogEntry>(
    'catalog',
    [A, B, C, D].map((id) => ({ key: String(id), value: testCatalogEntry(id, `Orders ${id}`) })),
  );
  return driver;
}

let executionNumber = 0;
function run(
  driver: TestDriver,
  scenarioId: number,
  minute: number,
  error?: ScenarioExecution['error'],
): ScenarioExecution {
  executionNumber += 1;
  const value = testExecution({
    number: executionNumber,
    scenarioId,
    minute,
    ...(error === undefined ? {} : { error }),
  });
  driver.pipe('make.executions.raw.v1', [{ key: String(scenarioId), value, timestamp: value.ingestedAt }]);
  return value;
}

function incidents(driver: TestDriver): Incident[] {
  return driver.read<Incident>('make.incidents.v1').map((record) => record.value);
}

const at = (minute: number) => timelineStart + minute * MINUTE;

describe('correlate → incidents (test driver, chained behind enrich)', () => {
  it('opens an incident when the same error recurs 3 times within 15 minutes, counting each execution once', () => {
    const driver = chain();
    const executions = [0, 4, 8].map((minute) => run(driver, A, minute));
    // Nothing before every correlate task has passed the occurrences (aligned watermark).
    expect(incidents(driver)).toEqual([]);
    settle(driver, [A], 30);
    const [incident, ...rest] = incidents(driver);
    expect(rest).toHaveLength(0);
    expect(incident).toMatchObject({
      revision: 1,
      state: 'OPEN',
      severity: 'LOW',
      scenarioId: A,
      scenarioName: `Orders ${A}`,
      errorName: 'DataError',
      errorClass: 'DATA_VALIDATION',
      causeModuleName: 'Add a row',
      causeModuleApp: 'google-sheets',
      occurrences: 3, // not 6: the execution's error and its module's error are one occurrence
      firstSeen: at(0),
      lastSeen: at(8),
      updatedAt: at(8),
      resolvedAt: null,
      affectedScenarioIds: [A],
      sampleExecutionIds: executions.map((execution) => execution.executionId).reverse(),
      rootCause: 'First failing module: "Add a row" (google-sheets) (DataError).',
      title: `DataError in "Add a row" (google-sheets) of "Orders ${A}"`,
    });
    expect(incident?.eventId).toBe(incidentEventId({ fingerprint: incident!.fingerprint, revision: 1 }));
    expect(driver.counters('correlate').occurrences).toBe(3);
    driver.close();
  });

  it('opens nothing for occurrences too few or too far apart', () => {
    const driver = chain();
    [0, 10, 20, 30].forEach((minute) => run(driver, A, minute));
    run(driver, B, 31, {
      name: 'RateLimitError',
      message: '[429] ratelimited',
      causeModuleName: 'Post',
      causeModuleApp: 'slack',
    });
    settle(driver, [A, B], 60);
    expect(incidents(driver)).toEqual([]);
    driver.close();
  });

  it('follows the spread across scenarios with ONGOING revisions and rising severity', () => {
    const driver = chain();
    [0, 1, 2].forEach((minute) => run(driver, A, minute));
    run(driver, B, 3);
    run(driver, A, 4); // no new scenario, no new severity: no revision
    run(driver, C, 5);
    settle(driver, [A, B, C], 30);
    const revisions = incidents(driver);
    expect(
      revisions.map((incident) => [incident.revision, incident.state, incident.severity, incident.affectedScenarioIds]),
    ).toEqual([
      [1, 'OPEN', 'LOW', [A]],
      [2, 'ONGOING', 'MEDIUM', [A, B]],
      [3, 'ONGOING', 'HIGH', [A, B, C]],
    ]);
    expect(revisions[2]).toMatchObject({
      occurrences: 6,
      scenarioId: A,
      title: 'DataError in "Add a row" (google-sheets) across 3 scenarios',
    });
    expect(new Set(revisions.map((incident) => incident.fingerprint)).size).toBe(1);
    driver.close();
  });

  it('names a shared connection as the root cause of authentication errors', () => {
    const driver = chain();
    const expired = {
      name: 'InvalidAccessTokenError',
      message: '[401] Invalid Credentials',
      causeModuleName: 'Watch rows',
      causeModuleApp: 'google-sheets',
    };
    [A, B, C].forEach((scenario, index) => run(driver, scenario, index, expired));
    settle(driver, [A, B, C], 30);
    const [incident] = incidents(driver);
    expect(incident).toMatchObject({ errorClass: 'AUTHENTICATION', affectedScenarioIds: [A, B, C], severity: 'HIGH' });
    expect(incident?.rootCause).toBe(
      'The google-sheets connection shared by 3 scenarios is rejected (InvalidAccessTokenError): its credentials are invalid or expired; reauthorise it.',
    );
    driver.close();
  });

  it('resolves after 30 quiet minutes of event time, carried by heartbeats while only successes flow', () => {
    const driver = chain();
    [0, 1, 2].forEach((minute) => run(driver, A, minute));
    // Resolution needs the incidents watermark at 32: heartbeats are held back by the group timeout
    // (10 min) and the watermark by the lateness (5 min), so successes must run to minute 47.
    for (let minute = 5; minute <= 46; minute += 1) run(driver, A, minute, null);
    driver.idle({ processor: 'correlate', idleForMs: 0 }); // the tasks without input
    expect(incidents(driver).map((incident) => incident.state)).toEqual(['OPEN']);
    for (let minute = 47; minute <= 50; minute += 1) run(driver, A, minute, null);
    const revisions = incidents(driver);
    expect(revisions.map((incident) => incident.state)).toEqual(['OPEN', 'RESOLVED']);
    expect(revisions[1]).toMatchObject({
      revision: 2,
      resolvedAt: at(32),
      updatedAt: at(32),
      lastSeen: at(2),
      occurrences: 3,
    });
    driver.close();
  });

  it('reopens a resolved incident when the error recurs, counting on from where it was', () => {
    const driver = chain();
    [0, 1, 2].forEach((minute) => run(driver, A, minute));
    for (let minute = 10; minute <= 40; minute += 2) run(driver, C, minute, null);
    run(driver, B, 45);
    settle(driver, [A, B, C], 65);
    const revisions = incidents(driver);
    expect(revisions.map((incident) => [incident.revision, incident.state])).toEqual([
      [1, 'OPEN'],
      [2, 'RESOLVED'],
      [3, 'REOPENED'],
    ]);
    expect(revisions[2]).toMatchObject({
      occurrences: 4,
      firstSeen: at(0),
      lastSeen: at(45),
      resolvedAt: null,
      affectedScenarioIds: [A, B],
    });
    driver.close();
  });

  it('applies occurrences of different correlate tasks in time order, whatever their arrival order', () => {
    const driver = chain();
    run(driver, A, 10);
    run(driver, B, 7);
    run(driver, C, 2);
    run(driver, D, 8);
    settle(driver, [A, B, C, D], 40);
    const [incident] = incidents(driver);
    // C (2), B (7), D (8) open it: A (10) arrived first but is the latest.
    expect(incident).toMatchObject({
      state: 'OPEN',
      occurrences: 3,
      firstSeen: at(2),
      lastSeen: at(8),
      affectedScenarioIds: [B, C, D],
    });
    expect(driver.late('incidents')).toEqual([]);
    driver.close();
  });

  it("sends an execution older than its correlate task's last heartbeat to correlate's late output", () => {
    const driver = chain();
    run(driver, A, 60, null);
    run(driver, A, 61, null); // sends the heartbeat: nothing older than minute 50 from this task
    run(driver, A, 45);
    run(driver, A, 49.5);
    expect(driver.late('correlate')).toHaveLength(4); // both records (execution, module) of each
    run(driver, A, 51); // after the heartbeat: counted
    expect(driver.counters('correlate').occurrences).toBe(1);
    driver.close();
  });

  it('counts a duplicated execution once', () => {
    const driver = chain();
    const first = run(driver, A, 0);
    driver.pipe('make.executions.raw.v1', [{ key: String(A), value: first }]);
    run(driver, A, 1);
    expect(incidents(driver)).toEqual([]);
    expect(driver.counters('correlate').duplicates).toBeGreaterThan(0);
    run(driver, A, 2);
    settle(driver, [A], 30);
    expect(incidents(driver)[0]?.occurrences).toBe(3);
    driver.close();
  });

  it('gives identical output on a replay and across a restart', () => {
    const script = (driver: TestDriver, restartAfter: number | null) => {
      executionNumber = 1000;
      const steps: [number, number, ScenarioExecution['error'] | undefined][] = [
        [A, 0, undefined],
        [B, 1, undefined],
        [A, 2, undefined],
        [C, 3, undefined],
        [D, 4, null],
        [D, 40, null],
        [A, 50, undefined],
      ];
      steps.forEach(([scenario, minute, error], index) => {
        run(driver, scenario, minute, error);
        if (index === restartAfter) driver.restart();
      });
      settle(driver, [A, B, C, D], 80);
      const out = JSON.stringify(driver.read('make.incidents.v1'));
      driver.close();
      return out;
    };
    const once = script(chain(), null);
    expect(JSON.parse(once)).toHaveLength(4);
    expect(script(chain(), null)).toBe(once);
    expect(script(chain(), 2)).toBe(once);
  });
});
