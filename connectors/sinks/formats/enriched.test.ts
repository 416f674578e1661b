import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { enrichedLogToCef, enrichedLogToLeef, enrichedLogToRfc5424 } from './enriched-log.js';
import { goldenRecords } from './testing/golden.js';
import { referenceCef, referenceLeef, referenceRfc5424 } from './testing/reference.js';

/** The line, or the error it threw: fast and reference writers must agree on both. */
function outcome(format: () => string): { line: string } | { error: string } {
  try {
    return { line: format() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

const hard = fc.string({
  unit: fc.constantFrom('\\', '|', '=', '\n', '\r', ']', '"', ' ', '^', '\t', '~', 'a', '1', 'e', '😀', '\uD83D', '-'),
  maxLength: 30,
});
const text = fc.oneof(hard, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 12 }));
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 53, -0, 1e21, Number.NaN));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.integer({ min: -100_000_000_000_000, max: 300_000_000_000_000 }),
  fc.double({ min: -1e15, max: 1e15, noNaN: true }),
  fc.constantFrom(0, -1, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, 8.64e15 + 1, Number.NaN),
);
const base = goldenRecords(1)[0]!;

/** Any EnrichedLog the formats see: every text hard, every nullable field null or not. */
const record: fc.Arbitrary<EnrichedLog> = fc
  .record({
    eventId: text,
    kind: fc.constantFrom('EXECUTION', 'MODULE', 'AUDIT', 'WEBHOOK', 'UNKNOWN'),
    timestamp,
    level: fc.constantFrom('ERROR', 'WARN', 'INFO', 'DEBUG', 'UNKNOWN'),
    outcome: fc.constantFrom('SUCCESS', 'FAILURE', 'UNKNOWN'),
    status: nullable(fc.constantFrom('RUNNING', 'SUCCESS', 'WARNING', 'ERROR', 'UNKNOWN')),
    action: nullable(text),
    message: text,
    durationMs: nullable(number),
    zone: text,
    organizationId: nullable(number),
    organizationName: nullable(text),
    teamId: nullable(number),
    teamName: nullable(text),
    scenarioId: nullable(number),
    scenarioName: nullable(text),
    executionId: nullable(text),
    moduleName: nullable(text),
    appName: nullable(text),
    userId: nullable(text),
    userName: nullable(text),
    userEmail: nullable(text),
    operations: nullable(number),
    error: nullable(
      fc.record({ name: text, message: text, causeModuleName: fc.constant(null), causeModuleApp: fc.constant(null) }),
    ),
  })
  .map((fields) => ({ ...base, ...fields }) as EnrichedLog);

const device = fc.oneof(
  fc.constant({ vendor: 'makestream', product: 'makestream', version: '1' }),
  fc.record({ vendor: text, product: text, version: text }),
);
/** Delimiters that can occur in numbers, in `$` replacement patterns, astral and lone surrogates, and invalid ones. */
const delimiter = fc.constantFrom('^', '\t', '~', '1', 'e', 'N', '.', '$', 'n', '😀', '\uD83D', '=', '|', 'ab');

describe('fast EnrichedLog writers give the bytes of the pair-list mapping (testing/reference.ts)', () => {
  it('CEF, for any record and device', () => {
    fc.assert(
      fc.property(record, device, (log, identity) => {
        expect(outcome(() => enrichedLogToCef(log, identity))).toEqual(outcome(() => referenceCef(log, identity)));
      }),
      { numRuns: 2000 },
    );
  });

  it('LEEF, for any record, device, delimiter and value limit (errors included)', () => {
    fc.assert(
      fc.property(
        record,
        device,
        delimiter,
        fc.option(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(4000)), { nil: undefined }),
        (log, identity, separator, maxValueLength) => {
          const options = { delimiter: separator, ...(maxValueLength === undefined ? {} : { maxValueLength }) };
          expect(outcome(() => enrichedLogToLeef(log, identity, options))).toEqual(
            outcome(() => referenceLeef(log, identity, options)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('RFC 5424, for any record and options (errors included)', () => {
    const options = fc.record(
      {
        facility: fc.integer({ min: -1, max: 24 }),
        hostname: text,
        appName: text,
        payload: fc.constantFrom('message', 'cef', 'leef'),
        device,
        byteOrderMark: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(record, options, (log, syslogOptions) => {
        expect(outcome(() => enrichedLogToRfc5424(log, syslogOptions))).toEqual(
          outcome(() => referenceRfc5424(log, syslogOptions)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('RFC 5424 timestamps across seconds, in and out of order (the per-second cache)', () => {
    const log = goldenRecords(1)[0]!;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_764_000_000_000, max: 1_764_000_005_000 }), { maxLength: 50 }),
        (times) => {
          for (const time of times) {
            const at = { ...log, timestamp: time };
            expect(enrichedLogToRfc5424(at)).toBe(referenceRfc5424(at));
          }
        },
      ),
    );
  });
});
