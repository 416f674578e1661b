import { describe, expect, it } from '@jest/globals';
import { enrichedLogEventId } from '../../pipeline/ids.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { enrichExecution, levelOf, outcomeOf } from './enrich.js';
import { builtInRedactionRules, createRedactor } from './redact.js';

const execution = exampleEvents['com.makestream.v1.ScenarioExecution'];
const catalog = exampleEvents['com.makestream.v1.ScenarioCatalogEntry'];
const context = { redact: createRedactor(builtInRedactionRules), tags: ['orders'], labels: { environment: 'prod' } };

describe('enrichExecution', () => {
  it('gives one record for the execution and one per module entry, with deterministic ids', () => {
    const { records } = enrichExecution(execution, catalog, context);
    expect(records.map((record) => [record.recordIndex, record.kind, record.eventId])).toEqual([
      [0, 'EXECUTION', enrichedLogEventId({ sourceEventId: execution.eventId, recordIndex: 0 })],
      [1, 'MODULE', enrichedLogEventId({ sourceEventId: execution.eventId, recordIndex: 1 })],
    ]);
    expect(records.every((record) => record.recordCount === 2 && record.sourceEventId === execution.eventId)).toBe(
      true,
    );
    expect(enrichExecution(execution, catalog, context)).toEqual(enrichExecution(execution, catalog, context));
  });

  it('joins the catalog and takes times from the execution, never the clock', () => {
    const [executionRecord, moduleRecord] = enrichExecution(execution, catalog, context).records;
    expect(executionRecord).toMatchObject({
      timestamp: execution.timestamp,
      ingestedAt: execution.ingestedAt,
      scenarioName: 'Orders to Sheets',
      scenarioApps: ['gateway', 'google-sheets'],
      folderId: null,
      level: 'ERROR',
      outcome: 'FAILURE',
      action: 'scenario.execution',
      status: 'ERROR',
      errorClass: 'DATA_VALIDATION',
      durationMs: 2_841,
      message: 'Scenario "Orders to Sheets" failed: DataError: Invalid value in column B.',
      tags: ['orders'],
      labels: { environment: 'prod' },
      redactions: 0,
    });
    expect(moduleRecord).toMatchObject({
      timestamp: execution.modules?.[0]?.timestamp,
      kind: 'MODULE',
      action: 'module.operation',
      moduleId: 4,
      moduleName: 'Add a row',
      appName: 'google-sheets',
      message: 'Module "Add a row" (google-sheets) failed: DataError: Invalid value in column B.',
      transfer: null,
    });
  });

  it('names a scenario the catalog does not know by its id', () => {
    const [record] = enrichExecution({ ...execution, status: 'SUCCESS', error: null }, undefined, context).records;
    expect(record).toMatchObject({
      scenarioName: null,
      scenarioApps: [],
      errorClass: 'NONE',
      level: 'INFO',
      outcome: 'SUCCESS',
      message: 'Scenario 90421 succeeded.',
    });
  });

  it('keeps warnings WARN and successful even when they carry the handled error', () => {
    const warning: ScenarioExecution = { ...execution, status: 'WARNING', modules: null };
    const [record] = enrichExecution(warning, catalog, context).records;
    expect(record).toMatchObject({ level: 'WARN', outcome: 'SUCCESS', errorClass: 'DATA_VALIDATION' });
    expect(enrichExecution(warning, catalog, context).records).toHaveLength(1);
  });

  it('maps every status onto a level and an outcome', () => {
    expect(
      (['RUNNING', 'SUCCESS', 'WARNING', 'ERROR', 'UNKNOWN'] as const).map((status) => [
        levelOf(status, false),
        outcomeOf(status, false),
      ]),
    ).toEqual([
      ['INFO', 'UNKNOWN'],
      ['INFO', 'SUCCESS'],
      ['WARN', 'SUCCESS'],
      ['ERROR', 'FAILURE'],
      ['UNKNOWN', 'UNKNOWN'],
    ]);
    expect([levelOf('UNKNOWN', true), outcomeOf('UNKNOWN', true)]).toEqual(['ERROR', 'FAILURE']);
  });

  it('redacts names and errors before composing the message, and counts per record', () => {
    const leaky: ScenarioExecution = {
      ...execution,
      authorName: 'jane.roe@example.com',
      error: {
        name: 'RuntimeError',
        message: '[401] Invalid key sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv',
        causeModuleName: 'Call https://bot:pw12345678@api.example.com',
        causeModuleApp: 'http',
      },
    };
    const { records, redacted } = enrichExecution(leaky, catalog, context);
    expect(records[0]).toMatchObject({
      userName: '[REDACTED:email]',
      message: 'Scenario "Orders to Sheets" failed: RuntimeError: [401] Invalid key [REDACTED:api-key]',
      errorClass: 'AUTHENTICATION',
      redactions: 3,
    });
    expect(records[1]?.redactions).toBe(1); // the author's e-mail address is on every record
    expect(Object.fromEntries(redacted)).toEqual({ email: 1, 'api-key': 1, 'url-password': 1 });
  });
});
