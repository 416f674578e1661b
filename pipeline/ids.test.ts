import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { InvalidRecordError } from './errors/index.js';
import {
  auditEventId,
  enrichedLogEventId,
  EVENT_ID_NAMESPACE,
  eventId,
  executionEventId,
  incidentEventId,
  metricWindowEventId,
  moduleLogEventId,
  uuidV5,
  webhookEventId,
} from './ids.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const execution = { zone: 'eu1.make.com', scenarioId: 1229, executionId: 'da518adcd14b4b64ac6358823ccb80ca' };

describe('uuidV5', () => {
  it('matches the RFC 9562 / Python uuid5 reference value', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org'))"
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('not-a-uuid', 'x')).toThrow(RangeError);
  });
});

describe('event ids', () => {
  it('are stable: the documented values never change', () => {
    // Computed independently with Python's uuid.uuid5 (docs/event-ids.md). Changing any of these
    // values changes every stored id: do not update them, fix the code.
    expect(EVENT_ID_NAMESPACE).toBe('b80f1166-0878-4fef-b833-e1002d0a0b91');
    expect(executionEventId(execution)).toBe('a9779be5-fa26-5fa1-951f-111a8c4d91a7');
    expect(auditEventId({ zone: 'eu1.make.com', organizationId: 4711, uuid: '7b1e2c3d4f5a46b7a8c9d0e1f2a3b4c5' })).toBe(
      '320c3cd4-6ec8-512b-a5dd-c34d5db1eb89',
    );
    expect(webhookEventId({ source: 'make-events', webhookId: 'msg_2b8Zx1example' })).toBe(
      '7dbcf335-8232-5e92-9533-cf6a35b05276',
    );
  });

  it('equal the documented recipe, so other languages can recompute them', () => {
    const name = JSON.stringify(['execution', 'eu1.make.com', '1229', 'da518adcd14b4b64ac6358823ccb80ca']);
    expect(executionEventId(execution)).toBe(uuidV5(EVENT_ID_NAMESPACE, name));
    expect(executionEventId(execution)).toMatch(UUID_V5);
  });

  it('ignore the source and the spelling of the same identity', () => {
    const id = executionEventId(execution);
    expect(executionEventId({ ...execution, scenarioId: '1229' })).toBe(id);
    expect(executionEventId({ ...execution, zone: ' EU1.Make.com ' })).toBe(id);
    expect(executionEventId({ ...execution, executionId: execution.executionId.toUpperCase() })).toBe(id);
    const audit = { zone: 'eu1.make.com', organizationId: 4711, uuid: '7b1e2c3d4f5a46b7a8c9d0e1f2a3b4c5' };
    expect(auditEventId({ ...audit, uuid: '7b1e2c3d-4f5a-46b7-a8c9-d0e1f2a3b4c5' })).toBe(auditEventId(audit));
  });

  it('differ for distinct identities', () => {
    const ids = new Set<string>();
    for (const zone of ['eu1.make.com', 'eu2.make.com', 'us1.make.com']) {
      for (let scenarioId = 1; scenarioId <= 40; scenarioId++) {
        for (let execution = 0; execution < 25; execution++) {
          ids.add(executionEventId({ zone, scenarioId, executionId: execution.toString(16).padStart(32, '0') }));
        }
      }
    }
    expect(ids.size).toBe(3 * 40 * 25);
  });

  it('differ between kinds and between components that concatenate alike', () => {
    expect(eventId('execution', ['a', 'bc'])).not.toBe(eventId('execution', ['ab', 'c']));
    expect(eventId('execution', ['a/b', 'c'])).not.toBe(eventId('execution', ['a', 'b/c']));
    expect(eventId('execution', ['x'])).not.toBe(eventId('audit', ['x']));
    expect(incidentEventId({ fingerprint: 'f', revision: 1 })).not.toBe(
      incidentEventId({ fingerprint: 'f', revision: 2 }),
    );
    const moduleLog = { ...execution, moduleId: 4, sequence: 0 };
    expect(moduleLogEventId(moduleLog)).not.toBe(moduleLogEventId({ ...moduleLog, sequence: 1 }));
    expect(moduleLogEventId(moduleLog)).not.toBe(moduleLogEventId({ ...moduleLog, moduleId: 40 }));
    const window = { zone: 'eu1.make.com', scenarioId: 1, windowSizeMs: 60_000, windowStart: 0, revision: 0 };
    expect(metricWindowEventId(window)).not.toBe(metricWindowEventId({ ...window, windowSizeMs: 300_000 }));
  });

  it('keep webhook ids exactly as sent (they are case-sensitive)', () => {
    expect(webhookEventId({ source: 's', webhookId: 'msg_Ab' })).not.toBe(
      webhookEventId({ source: 's', webhookId: 'msg_aB' }),
    );
  });

  it('refuse identities that would give misleading ids, naming the field', () => {
    expect(() => executionEventId({ ...execution, zone: 'https://eu1.make.com' })).toThrow(
      /zone .* is not a host name/,
    );
    expect(() => executionEventId({ ...execution, scenarioId: 1.5 })).toThrow(/scenarioId 1.5/);
    expect(() => executionEventId({ ...execution, scenarioId: -1 })).toThrow(InvalidRecordError);
    expect(() => auditEventId({ zone: 'eu1.make.com', organizationId: 1, uuid: 'xyz' })).toThrow(/audit uuid/);
    expect(() => webhookEventId({ source: 's', webhookId: ' ' })).toThrow(/Webhook-Id is empty/);
    expect(() => enrichedLogEventId({ sourceEventId: 'nope', recordIndex: 0 })).toThrow(/sourceEventId/);
  });
});

describe('executionEventId fast path', () => {
  // The implementation before the hot-path spelling (JSON.stringify of the normalised components),
  // kept here as the reference: ids must stay byte-identical forever.
  const referenceZone = (zone: string): string => {
    const normal = zone.trim().toLowerCase();
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/.test(normal)) throw new Error('zone');
    return normal;
  };
  const referenceMakeId = (id: number | string): string => {
    const text = typeof id === 'number' ? (Number.isSafeInteger(id) ? String(id) : '') : id.trim();
    if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new Error('scenarioId');
    return text;
  };
  const referenceExecutionId = (executionId: string): string => {
    const normal = executionId.trim().toLowerCase();
    if (!/^[0-9a-z]+$/.test(normal)) throw new Error('executionId');
    return normal;
  };
  const reference = (identity: { zone: string; scenarioId: number | string; executionId: string }): string =>
    eventId('execution', [
      referenceZone(identity.zone),
      referenceMakeId(identity.scenarioId),
      referenceExecutionId(identity.executionId),
    ]);
  const outcome = (derive: () => string): string => {
    try {
      return derive();
    } catch {
      return 'refused';
    }
  };

  it('gives the reference id, or refuses where the reference refuses, for any identity', () => {
    const zone = fc.oneof(
      fc.constantFrom('eu1.make.com', 'EU2.Make.com ', ' us1.make.com', 'localhost:8080', 'eu1.make.com/', ''),
      fc.string({ maxLength: 20 }),
    );
    const scenarioId = fc.oneof(
      fc.integer({ min: -5, max: Number.MAX_SAFE_INTEGER }),
      fc.constantFrom(-0, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2, Infinity),
      fc.constantFrom('0', '007', ' 42 ', '-1', '1e3', ''),
      fc.string({ maxLength: 8 }),
    );
    const executionId = fc.oneof(
      fc.stringMatching(/^[0-9a-fA-F]{1,40}$/),
      fc.constantFrom(' AB12 ', '', 'not-hex', 'x'),
      fc.string({ maxLength: 12 }),
    );
    // The same zone many times in a row too (the last zone is remembered), then another.
    fc.assert(
      fc.property(
        fc.array(fc.record({ zone, scenarioId, executionId }), { minLength: 1, maxLength: 6 }),
        (identities) => {
          for (const identity of [...identities, ...identities]) {
            expect(outcome(() => executionEventId(identity))).toBe(outcome(() => reference(identity)));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
