import { describe, expect, it } from '@jest/globals';
import type { EnrichedLog } from '../../schemas/generated/types.js';
import { enrichExecution } from '../enrich/enrich.js';
import { builtInRedactionRules, createRedactor } from '../enrich/redact.js';
import { addToGroup, isComplete, occurrencesOf, startGroup } from './occurrence.js';
import { testCatalogEntry, testExecution } from './testing.js';

const context = { redact: createRedactor(builtInRedactionRules), tags: [], labels: {} };

function records(execution = testExecution({ number: 1, scenarioId: 7, minute: 0 })): readonly EnrichedLog[] {
  return enrichExecution(execution, testCatalogEntry(7), context).records;
}

function group(logs: readonly EnrichedLog[]) {
  const started = startGroup(logs[0]!)!;
  for (const log of logs) addToGroup(started, log);
  return started;
}

describe('execution groups', () => {
  it('is complete once the last record of the execution is in', () => {
    const [execution, module] = records();
    const started = startGroup(execution!)!;
    addToGroup(started, execution!);
    expect(isComplete(started)).toBe(false);
    addToGroup(started, module!);
    expect(isComplete(started)).toBe(true);
  });

  it('drops a record it has already seen', () => {
    const [execution] = records();
    const started = startGroup(execution!)!;
    expect(addToGroup(started, execution!)).toBe(true);
    expect(addToGroup(started, execution!)).toBe(false);
  });

  it('merges the execution error with the same module error, naming the first failing module', () => {
    const [occurrence, ...rest] = occurrencesOf(group(records()));
    expect(rest).toHaveLength(0);
    expect(occurrence).toMatchObject({
      errorName: 'DataError',
      normalisedMessage: 'Invalid value in column B of row <n>.',
      causeModuleName: 'Add a row',
      causeModuleApp: 'google-sheets',
      firstFailingModule: { moduleId: 4, moduleName: 'Add a row', appName: 'google-sheets' },
      scenarioId: 7,
      scenarioName: 'Scenario 7',
    });
    expect(occurrence?.occurrenceId).toBe(`${records()[0]!.sourceEventId}:${occurrence?.fingerprint}`);
  });

  it('keeps different errors of one execution apart', () => {
    const execution = testExecution({ number: 2, scenarioId: 7, minute: 0 });
    const logs = records({
      ...execution,
      error: {
        name: 'RuntimeError',
        message: '[500] Internal Server Error',
        causeModuleName: null,
        causeModuleApp: null,
      },
    });
    expect(occurrencesOf(group(logs)).map((occurrence) => occurrence.errorName)).toEqual(['DataError', 'RuntimeError']);
  });

  it('yields nothing for a successful execution', () => {
    expect(occurrencesOf(group(records(testExecution({ number: 3, scenarioId: 7, minute: 0, error: null }))))).toEqual(
      [],
    );
  });
});
