/**
 * Golden output of the SIEM formatters: a seeded corpus of EnrichedLog records (every character the
 * formats escape, nulls in every nullable field, values over every length limit, timestamps outside
 * the four-digit years) formatted in every variant makestream uses, pinned byte for byte in
 * `golden.json`. Speed work on the formatters must not change one byte; `golden.test.ts` checks it.
 *
 * Regenerate only when a format change is intended (and say why in the commit):
 * `node --import tsx connectors/sinks/formats/testing/golden.ts --write`.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EnrichedLog } from '../../../../schemas/generated/types.js';
import { exampleEvents } from '../../../../schemas/examples.js';
import { enrichedLogToCef, enrichedLogToLeef, enrichedLogToRfc5424, type DeviceIdentity } from '../enriched-log.js';
import { formatRfc3164 } from '../rfc3164.js';
import { truncateUtf8 } from '../truncate.js';

/** Where the pinned output lives. */
export const GOLDEN_FILE = fileURLToPath(new URL('./golden.json', import.meta.url));

/** Records in the golden corpus. */
export const GOLDEN_RECORDS = 6000;
/** Records whose lines are stored readable (the rest only by hash). */
export const READABLE_RECORDS = 8;

/** Mulberry32: a small seeded generator, stable across Node versions (Math.random is not seedable). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters that take a slow path somewhere, mixed with plain ones. */
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyz ABC0123456789.-:_/',
  '\\',
  '|',
  '=',
  '"',
  ']',
  '[',
  '^',
  '~',
  '\t',
  '\n',
  '\r',
  '\r\n',
  'é',
  'ü',
  '日',
  '本',
  '😀',
  '\u0000',
  '\u007f',
  '\u00a0',
  '\uFEFF',
  '\uD800', // a lone surrogate: formatters must pass it through unchanged
];

const KINDS = ['EXECUTION', 'MODULE', 'AUDIT', 'WEBHOOK', 'UNKNOWN'] as const;
const LEVELS = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'UNKNOWN'] as const;
const OUTCOMES = ['SUCCESS', 'FAILURE', 'UNKNOWN'] as const;
const STATUSES = ['RUNNING', 'SUCCESS', 'WARNING', 'ERROR', 'UNKNOWN'] as const;
/** Timestamps the fast paths must get right: epoch, leap day, year ends, before 1970, after 9999. */
const EDGE_TIMESTAMPS = [
  0,
  951_782_400_000, // 2000-02-29
  1_767_225_599_999, // 2025-12-31T23:59:59.999Z
  -1,
  -62_198_755_200_000, // year 0
  253_402_300_799_999, // 9999-12-31T23:59:59.999Z
  253_402_300_800_000, // +010000-01-01
];

/** The seeded corpus (the same records on every run and Node version). */
export function goldenRecords(count = GOLDEN_RECORDS, seed = 0x5eed): EnrichedLog[] {
  const random = seededRandom(seed);
  const integer = (below: number) => Math.floor(random() * below);
  const pick = <T>(values: readonly T[]): T => values[integer(values.length)]!;
  const text = (): string => {
    // Mostly short plain words; now and then hard characters, and lengths over every limit.
    const roll = random();
    const length =
      roll < 0.02 ? 4000 + integer(6000) : roll < 0.05 ? 900 + integer(400) : roll < 0.1 ? 0 : 1 + integer(40);
    const hard = random() < 0.3;
    let value = '';
    for (let index = 0; index < length; index++) {
      value += hard ? pick(ALPHABET) : pick(ALPHABET.slice(0, 46));
    }
    return value;
  };
  const maybe = <T>(make: () => T): T | null => (random() < 0.2 ? null : make());
  const number = (): number =>
    random() < 0.1 ? pick([0, -1, 1.5, 2 ** 53, 1e21, -0.000001]) : integer(10 ** (1 + integer(9)));
  const base = exampleEvents['com.makestream.v1.EnrichedLog'];
  return Array.from({ length: count }, (_, index): EnrichedLog => {
    const timestamp =
      index < EDGE_TIMESTAMPS.length
        ? EDGE_TIMESTAMPS[index]!
        : random() < 0.5
          ? 1_764_000_000_000 + integer(100_000_000)
          : integer(4_102_444_800_000);
    return {
      ...base,
      eventId: maybe(text) ?? `e-${index}`,
      kind: pick(KINDS),
      timestamp,
      level: pick(LEVELS),
      outcome: pick(OUTCOMES),
      status: random() < 0.3 ? null : pick(STATUSES),
      action: maybe(text),
      message: text(),
      durationMs: maybe(number),
      zone: random() < 0.7 ? pick(['eu1.make.com', 'us1.make.com']) : text(),
      organizationId: maybe(number),
      organizationName: maybe(text),
      teamId: maybe(number),
      teamName: maybe(text),
      scenarioId: maybe(number),
      scenarioName: maybe(text),
      executionId: maybe(text),
      moduleName: maybe(text),
      appName: maybe(text),
      userId: maybe(text),
      userName: maybe(text),
      userEmail: maybe(text),
      operations: maybe(number),
      error: random() < 0.5 ? null : { name: text(), message: text(), causeModuleName: null, causeModuleApp: null },
    };
  });
}

const oddDevice: DeviceIdentity = { vendor: 'Ven|dor\\', product: 'pro\nduct', version: '2.0' };

/** Every way makestream formats a record, by name. A throw is part of the output (`!error: …`). */
export const goldenVariants: Record<string, (log: EnrichedLog) => string> = {
  cef: (log) => enrichedLogToCef(log),
  'cef-device': (log) => enrichedLogToCef(log, oddDevice),
  leef: (log) => enrichedLogToLeef(log),
  'leef-tab-100': (log) => enrichedLogToLeef(log, oddDevice, { delimiter: '\t', maxValueLength: 100 }),
  'leef-tilde': (log) => enrichedLogToLeef(log, undefined, { delimiter: '~' }),
  rfc5424: (log) => enrichedLogToRfc5424(log),
  'rfc5424-options': (log) =>
    enrichedLogToRfc5424(log, { facility: 1, hostname: 'host name', appName: 'app', byteOrderMark: true }),
  'rfc5424-cef': (log) => enrichedLogToRfc5424(log, { payload: 'cef', appName: 'makestream' }),
  'rfc5424-leef-480': (log) => truncateUtf8(enrichedLogToRfc5424(log, { payload: 'leef', device: oddDevice }), 480),
  'rfc5424-8192': (log) => truncateUtf8(enrichedLogToRfc5424(log), 8192),
  rfc3164: (log) =>
    formatRfc3164({
      facility: 16,
      severity: 3,
      timestamp: log.timestamp,
      hostname: log.zone,
      tag: 'make-stream',
      content: log.message,
    }),
};

/** What `golden.json` holds per variant. */
export interface GoldenVariant {
  /** SHA-256 (hex) of every record's output, each followed by `\n`, as UTF-16LE code units. */
  readonly sha256: string;
  readonly bytes: number;
  /** The first {@link READABLE_RECORDS} outputs, readable. */
  readonly first: string[];
}

/** Formats the corpus in every variant. */
export function renderGolden(records: readonly EnrichedLog[] = goldenRecords()): Record<string, GoldenVariant> {
  const rendered: Record<string, GoldenVariant> = {};
  for (const [name, format] of Object.entries(goldenVariants)) {
    const hash = createHash('sha256');
    const first: string[] = [];
    let bytes = 0;
    records.forEach((record, index) => {
      let line: string;
      try {
        line = format(record);
      } catch (error) {
        line = `!error: ${(error as Error).message}`;
      }
      // UTF-16 code units, not UTF-8: a lone surrogate must not hash like U+FFFD.
      hash.update(`${line}\n`, 'utf16le');
      bytes += Buffer.byteLength(`${line}\n`, 'utf8');
      if (index < READABLE_RECORDS) first.push(line);
    });
    rendered[name] = { sha256: hash.digest('hex'), bytes, first };
  }
  return rendered;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(GOLDEN_FILE, `${JSON.stringify(renderGolden(), null, 2)}\n`);
  process.stdout.write(`wrote ${GOLDEN_FILE}\n`);
}
