import { executionEventId } from '../../../pipeline/ids.js';
import { classifyAuditRow, classifyLogRow, compareImtId, toScenarioExecution } from './rows.js';
import { executionId, logRow } from './testing/fake-make.js';

const context = { zone: 'eu1.make.com', scenarioId: 7, organizationId: 1, teamId: 10, ingestedAt: 5, keepRaw: true };

describe('scenario log rows', () => {
  it('keeps execution rows without eventType or with EXECUTION_END', () => {
    expect(classifyLogRow(logRow(7, executionId(1), 1000), 7).kind).toBe('execution');
    expect(classifyLogRow(logRow(7, executionId(1), 1000, { eventType: 'EXECUTION_END' }), 7).kind).toBe('execution');
  });

  it.each([
    ['timeline-row', { ...logRow(7, executionId(1), 1000), eventType: 'EXECUTION_START' }],
    [
      'timeline-row',
      { id: 'abc', imtId: '1_x', timestamp: '2026-01-01T00:00:00Z', type: 'modify', eventType: 'MODIFY' },
    ],
    ['missing-id', { ...logRow(7, executionId(1), 1000), id: undefined }],
    ['scenario-mismatch', { ...logRow(7, executionId(1), 1000), scenarioId: 8 }],
    ['invalid-row', { ...logRow(7, executionId(1), 1000), status: 'done' }],
    ['invalid-row', { ...logRow(7, executionId(1), 1000), timestamp: 'yesterday' }],
    ['invalid-row', { ...logRow(7, executionId(1), 1000), id: 'not/an id' }],
    ['not-an-object', 'garbage'],
  ])('skips %s rows but still reports their cursor key', (reason, row) => {
    const verdict = classifyLogRow(row, 7);
    expect(verdict).toMatchObject({ kind: 'skip', reason });
  });

  it('maps a row to a ScenarioExecution with the deterministic event id and the error', () => {
    const row = classifyLogRow(logRow(7, executionId(2).toUpperCase(), Date.UTC(2026, 0, 1), { status: 3 }), 7);
    if (row.kind !== 'execution') throw new Error('expected an execution');
    const event = toScenarioExecution(row.row, context, {
      name: 'DataError',
      message: 'bad',
      causeModuleName: 'http:ActionSendData',
      causeModuleApp: 'http',
    });
    expect(event).toMatchObject({
      eventId: executionEventId({ zone: 'eu1.make.com', scenarioId: 7, executionId: executionId(2) }),
      executionId: executionId(2),
      status: 'ERROR',
      statusCode: 3,
      timestamp: Date.UTC(2026, 0, 1),
      source: 'POLLER',
      error: { name: 'DataError', causeModuleApp: 'http' },
    });
  });

  it('orders cursor keys by their millisecond prefix', () => {
    expect(compareImtId('999_b', '1000_a')).toBeLessThan(0);
    expect(compareImtId('1000_a', '1000_b')).toBeLessThan(0);
  });
});

describe('audit rows', () => {
  const entry = {
    uuid: '7b1e2c3d4f5a46b7a8c9d0e1f2a3b4c5',
    imtId: '1767229200000_7b1e2c3d4f5a46b7a8c9d0e1f2a3b4c5',
    createdAt: '2026-01-01T01:00:02.114Z',
    triggeredAt: '2026-01-01T01:00:00.000Z',
    organizationId: 4711,
    organization: { id: 4711, name: 'Acme Corp' },
    eventName: 'webhook_updated',
    team: { id: 9001, name: 'Operations' },
    actor: { id: 5124, anonymized: true },
    targetId: 3107,
    version: { from: '1.0.4', to: '1.0.5' },
  };
  const auditContext = { zone: 'eu1.make.com', organizationId: 4711, ingestedAt: 1, keepRaw: false };

  it('maps an entry to an AuditEvent', () => {
    expect(classifyAuditRow(entry, auditContext)).toMatchObject({
      kind: 'audit',
      event: {
        organizationId: 4711,
        eventName: 'webhook_updated',
        targetId: '3107',
        actor: { id: 5124, anonymized: true, name: null },
      },
    });
  });

  it('skips entries without uuid or with a bad date', () => {
    expect(classifyAuditRow({ ...entry, uuid: undefined }, auditContext)).toMatchObject({
      kind: 'skip',
      reason: 'missing-id',
    });
    expect(classifyAuditRow({ ...entry, triggeredAt: 'soon' }, auditContext)).toMatchObject({
      kind: 'skip',
      reason: 'invalid-row',
    });
  });
});
