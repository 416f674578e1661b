import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { exampleEvents } from '../../../schemas/examples.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { documentShapes } from './datasets.js';
import { buildDocument } from './documents.js';
import { createAction, createBulkRequest } from './bulk.js';
import { enrichedLogJson, sourceJson, writeEnrichedLog } from './source-json.js';

const example = exampleEvents['com.makestream.v1.EnrichedLog'];
const examples = {
  'enriched-log': example,
  incident: exampleEvents['com.makestream.v1.Incident'],
  anomaly: exampleEvents['com.makestream.v1.Anomaly'],
  'metric-window': exampleEvents['com.makestream.v1.MetricWindow'],
  'audit-event': exampleEvents['com.makestream.v1.AuditEvent'],
} as const;

const reference = (log: EnrichedLog): string => JSON.stringify(buildDocument('enriched-log', log).source);

/** `@timestamp` and `event.ingested` of the document of the example log at epoch ms `ms`. */
const timesOf = (ms: number): [unknown, unknown] => {
  const document = JSON.parse(enrichedLogJson({ ...example, timestamp: ms, ingestedAt: ms })) as {
    '@timestamp': unknown;
    event: { ingested: unknown };
  };
  return [document['@timestamp'], document.event.ingested];
};

const maybe = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arbitrary, { nil: null });
// Short strings of any code point, strings of any UTF-16 code units (lone surrogates, controls),
// and long plain ones (the writer copies those natively).
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.string({ minLength: 25, maxLength: 80 }),
);
const integer = fc.integer({ min: -1_000_000, max: 1_000_000 });

/** EnrichedLogs around the example with every nullable field null or not, and odd strings. */
const enrichedLogs: fc.Arbitrary<EnrichedLog> = fc
  .record({
    action: maybe(text),
    message: text,
    durationMs: maybe(fc.oneof(integer, fc.constant(Number.MAX_SAFE_INTEGER))),
    organizationId: maybe(integer),
    organizationName: maybe(text),
    teamId: maybe(integer),
    teamName: maybe(text),
    scenarioId: maybe(integer),
    scenarioName: maybe(text),
    executionId: maybe(text),
    status: maybe(fc.constantFrom('SUCCESS', 'WARNING', 'ERROR') as fc.Arbitrary<EnrichedLog['status'] & string>),
    moduleId: maybe(integer),
    moduleName: maybe(text),
    appName: maybe(text),
    userId: maybe(text),
    userName: maybe(text),
    userEmail: maybe(text),
    operations: maybe(integer),
    transfer: maybe(integer),
    centicredits: maybe(integer),
    error: maybe(fc.record({ name: text, message: text, causeModuleName: maybe(text), causeModuleApp: maybe(text) })),
    tags: fc.array(text, { maxLength: 3 }),
    // Not `__proto__`: the reference's pruneEmpty copies keys by assignment, which turns that one
    // into a prototype and loses it (the direct writer keeps it).
    labels: fc.dictionary(
      fc.oneof(text, fc.constantFrom('1', '20', 'constructor')).filter((key) => key !== '__proto__'),
      text,
      { maxKeys: 4 },
    ),
    errorClass: fc.constantFrom('NONE', 'TIMEOUT', 'UNKNOWN') as fc.Arbitrary<EnrichedLog['errorClass']>,
    folderId: maybe(integer),
    scenarioApps: fc.array(text, { maxLength: 3 }),
    redactions: integer,
    zone: text,
    timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    ingestedAt: fc.integer({ min: -1_000_000, max: 4_102_444_800_000 }),
  })
  .map((fields) => ({ ...example, ...fields }));

describe('document JSON text', () => {
  it.each(documentShapes)('%s: the same text as JSON.stringify of the ECS document', (shape) => {
    const { json, eventTimeMs } = sourceJson(shape, examples[shape]);
    const document = buildDocument(shape, examples[shape]);
    expect(json).toBe(JSON.stringify(document.source));
    expect(eventTimeMs).toBe(document.eventTimeMs);
  });

  it('writes any enriched log exactly as the reference path does (nulls, empty lists and maps, escapes)', () => {
    fc.assert(
      fc.property(enrichedLogs, (log) => {
        expect(enrichedLogJson(log)).toBe(reference(log));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the same bytes into a bulk request body as the reference path, action line included', () => {
    fc.assert(
      fc.property(enrichedLogs, fc.constantFrom('logs-make.enriched-default', 'idx-ü'), (log, target) => {
        const request = createBulkRequest(1024);
        request.appendCreate(7, target, log.eventId, writeEnrichedLog, log);
        expect(request.body()).toEqual(Buffer.from(`${createAction(target, log.eventId)}\n${reference(log)}\n`));
        expect(request.indexes).toEqual([7]);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out objects whose fields are all absent, and keeps zeros and empty strings', () => {
    const bare: EnrichedLog = {
      ...example,
      organizationId: null,
      organizationName: null,
      userId: null,
      userName: null,
      userEmail: null,
      error: null,
      errorClass: 'NONE',
      tags: [],
      labels: {},
      operations: 0,
      message: '',
    };
    const parsed = JSON.parse(enrichedLogJson(bare)) as Record<string, unknown>;
    expect(parsed).not.toHaveProperty('organization');
    expect(parsed).not.toHaveProperty('user');
    expect(parsed).not.toHaveProperty('error');
    expect(parsed).not.toHaveProperty('tags');
    expect(parsed).not.toHaveProperty('labels');
    expect(parsed).toMatchObject({ message: '', make: { operations: 0, error: { class: 'none' } } });
    expect(enrichedLogJson(bare)).toBe(reference(bare));
  });

  it('formats times exactly as toISOString, before 1970 and after 9999 included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 253_402_300_799_999 }), // the fast path
          fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
        ),
        (ms) => {
          expect(timesOf(ms)).toEqual([new Date(ms).toISOString(), new Date(ms).toISOString()]);
        },
      ),
      { numRuns: 2000 },
    );
    for (const ms of [0, 86_399_999, 86_400_000, 253_402_300_799_999, 253_402_300_800_000, -1]) {
      expect(timesOf(ms)).toEqual([new Date(ms).toISOString(), new Date(ms).toISOString()]);
    }
    expect(() => enrichedLogJson({ ...example, ingestedAt: Number.NaN })).toThrow('ingestedAt is not a time: NaN');
  });

  it('refuses an enriched log whose event time is not a number, as the document builder does', () => {
    expect(() => sourceJson('enriched-log', { ...example, timestamp: Number.NaN })).toThrow(
      'timestamp is not a time: NaN',
    );
    expect(() => sourceJson('enriched-log', { ...example, ingestedAt: Number.POSITIVE_INFINITY })).toThrow(
      'ingestedAt is not a time',
    );
  });
});
