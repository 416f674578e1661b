import { describe, expect, it } from '@jest/globals';
import { parseIncidentsConfig } from './config.js';
import { applyOccurrence, newFingerprintState, resolve, resolveTime, type FingerprintState } from './incident-state.js';
import type { ErrorOccurrence } from './occurrence.js';
import { severityOf } from './root-cause.js';

const config = parseIncidentsConfig({ openThreshold: 3, openWindowMs: 15 * 60_000, resolveAfterMs: 30 * 60_000 });
const MINUTE = 60_000;

function occurrence(id: number, minute: number, scenarioId = 1): ErrorOccurrence {
  return {
    fingerprint: 'fp',
    occurrenceId: `o${id}`,
    timestamp: minute * MINUTE,
    zone: 'eu1.make.com',
    scenarioId,
    scenarioName: null,
    organizationId: 1,
    teamId: 2,
    executionId: `e${id}`,
    errorName: 'ConnectionError',
    errorMessage: 'read ECONNRESET',
    normalisedMessage: 'read ECONNRESET',
    errorClass: 'CONNECTION',
    causeModuleName: 'Get a file',
    causeModuleApp: 'http',
    firstFailingModule: { moduleId: 1, moduleName: 'Get a file', appName: 'http' },
  };
}

function feed(state: FingerprintState, ...occurrences: ErrorOccurrence[]) {
  const emitted = [];
  let current = state;
  for (const next of occurrences) {
    const transition = applyOccurrence(current, next, -Infinity, config);
    current = transition.state;
    if (transition.emit !== null) emitted.push(transition.emit);
  }
  return { state: current, emitted };
}

describe('incident lifecycle', () => {
  it('opens at the third occurrence within the window, whatever their arrival order', () => {
    const { emitted } = feed(newFingerprintState('fp'), occurrence(1, 10), occurrence(2, 0), occurrence(3, 14));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ state: 'OPEN', firstSeen: 0, lastSeen: 14 * MINUTE, occurrences: 3 });
    expect(emitted[0]?.sampleExecutionIds).toEqual(['e3', 'e1', 'e2']);
  });

  it('does not open when the occurrences span more than the window', () => {
    expect(feed(newFingerprintState('fp'), occurrence(1, 0), occurrence(2, 10), occurrence(3, 16)).emitted).toEqual([]);
  });

  it('drops pending occurrences that can no longer share a window with what comes', () => {
    const first = applyOccurrence(newFingerprintState('fp'), occurrence(1, 0), -Infinity, config).state;
    const second = applyOccurrence(first, occurrence(2, 20), 20 * MINUTE, config).state;
    expect(second.pending.map((entry) => entry.occurrence.occurrenceId)).toEqual(['o2']);
  });

  it('ignores an occurrence id it has counted', () => {
    const { state } = feed(newFingerprintState('fp'), occurrence(1, 0), occurrence(2, 1), occurrence(3, 2));
    expect(applyOccurrence(state, occurrence(3, 2), -Infinity, config).state).toBe(state);
  });

  it('resolves at lastSeen + resolveAfterMs and reopens with one recurrence', () => {
    const opened = feed(newFingerprintState('fp'), occurrence(1, 0), occurrence(2, 1), occurrence(3, 2)).state;
    expect(resolveTime(opened, config)).toBe(32 * MINUTE);
    const resolved = resolve(opened, 32 * MINUTE, config);
    expect(resolved.emit).toMatchObject({ revision: 2, state: 'RESOLVED', resolvedAt: 32 * MINUTE });
    expect(resolveTime(resolved.state, config)).toBeNull();
    const reopened = feed(resolved.state, occurrence(4, 60));
    expect(reopened.emitted[0]).toMatchObject({ revision: 3, state: 'REOPENED', occurrences: 4, resolvedAt: null });
  });

  it('rates severity by occurrences or affected scenarios', () => {
    const rate = (occurrences: number, scenarios: number) =>
      severityOf({ occurrences, affectedScenarioIds: Array.from({ length: scenarios }, (_, index) => index) }, config);
    expect([rate(3, 1), rate(10, 1), rate(3, 2), rate(50, 1), rate(3, 3), rate(500, 1), rate(3, 10)]).toEqual([
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ]);
  });

  it('emits an ONGOING revision after updateEveryOccurrences new occurrences', () => {
    const frequent = parseIncidentsConfig({ updateEveryOccurrences: 2 });
    let state = newFingerprintState('fp');
    const states: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const transition = applyOccurrence(state, occurrence(index, index * 0.1), -Infinity, frequent);
      state = transition.state;
      if (transition.emit)
        states.push(`${transition.emit.revision}:${transition.emit.state}:${transition.emit.occurrences}`);
    }
    expect(states).toEqual(['1:OPEN:3', '2:ONGOING:5', '3:ONGOING:7']);
  });
});
