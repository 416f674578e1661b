/**
 * Document sources as JSON text, the bytes that go into a `_bulk` body. The hot shape, EnrichedLog
 * (most of the traffic), is written straight into the request's byte buffer (`json-bytes.ts`) with
 * the key order of `enrichedLogDocument` and the same pruning (nulls, empty arrays and objects left
 * out): no intermediate objects, no per-value or per-document strings, keys as precomputed bytes,
 * ISO times from a per-day cache of their date bytes. The contract, checked by
 * `source-json.test.ts` on the examples and on generated logs: the bytes are exactly
 * `Buffer.from(JSON.stringify(buildDocument(shape, value).source))`. The other shapes (a few per
 * minute) take that reference path.
 *
 * Cost per EnrichedLog document with its action line (`bench/sinks/elasticsearch-documents.ts`):
 * 10.8 µs through the ECS object, 6.6 µs as one string per document, ~2 µs written as bytes.
 */
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import type { DocumentShape } from './datasets.js';
import { YEAR_10000_MS } from '../../../pipeline/sink/iso-time.js';
import { buildDocument, isoTime } from './documents.js';
import { asciiBytes, JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import { createTimeBytesWriter } from '../../../pipeline/sink/time-bytes.js';

/** A document's JSON text with the event time that places it. */
export interface SourceJson {
  readonly eventTimeMs: number;
  /** `JSON.stringify(buildDocument(shape, value).source)`, byte for byte. */
  readonly json: string;
}

const NANOS_PER_MILLI = 1_000_000;
/** `"<toISOString()>"` bytes of an epoch ms in 1970–9999. */
const writeIsoBytes = createTimeBytesWriter({ separator: 'T', milliseconds: true, zulu: true });

/** `"<toISOString()>"` of epoch ms, quoted; throws as `isoTime` does on a time that is not a number. */
function writeIsoTime(out: JsonBytes, ms: number, field: string): void {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) out.string(isoTime(ms, field));
  else writeIsoBytes(out, ms);
}

/** `"<lowercase symbol>"` of each Avro enum symbol seen, as bytes. */
const symbolBytes = new Map<string, Uint8Array>();

/** An enum symbol, lowercased and quoted (symbols are `[A-Za-z_][A-Za-z0-9_]*`). */
function writeSymbol(out: JsonBytes, symbol: string): void {
  let bytes = symbolBytes.get(symbol);
  if (bytes === undefined) {
    if (symbolBytes.size >= 1024) symbolBytes.clear();
    bytes = Buffer.from(JSON.stringify(symbol.toLowerCase()));
    symbolBytes.set(symbol, bytes);
  }
  out.bytes(bytes);
}

/** `,"dataset":"make.<kind>","kind":"event"` of each log kind seen, as bytes. */
const datasetFragments = new Map<string, Uint8Array>();

function datasetBytes(kind: string): Uint8Array {
  let bytes = datasetFragments.get(kind);
  if (bytes === undefined) {
    if (datasetFragments.size >= 1024) datasetFragments.clear();
    // As the reference writes it: `make.` and the lowercased symbol, unescaped (symbols need none).
    bytes = Buffer.from(`,"dataset":"make.${kind.toLowerCase()}","kind":"event"`);
    datasetFragments.set(kind, bytes);
  }
  return bytes;
}

/** A numeric id as the reference writes it (`String(id)`), quoted. */
function writeIdText(out: JsonBytes, id: number): void {
  out.byte(0x22);
  out.numberText(id);
  out.byte(0x22);
}

/**
 * Opens an object member that the reference leaves out when empty: `key` is `,"name":` and every
 * member written after it starts with a comma; {@link closeObject} turns the first of those commas
 * into the `{`, or takes the key back out when nothing followed it.
 */
function openObject(out: JsonBytes, key: Uint8Array): number {
  const mark = out.length;
  out.bytes(key);
  return mark + key.length;
}

function closeObject(out: JsonBytes, afterKey: number, key: Uint8Array): void {
  if (out.length === afterKey) out.length = afterKey - key.length;
  else {
    out.buffer[afterKey] = 0x7b; // { over the first member's comma
    out.byte(0x7d);
  }
}

/** A list member as the reference leaves it: absent when empty. */
function writeList(out: JsonBytes, key: Uint8Array, list: readonly unknown[]): void {
  if (list.length === 0) return;
  out.bytes(key);
  out.stringList(list);
}

/** The keys and constant fragments of an EnrichedLog document, in writing order. */
const K = {
  timestamp: asciiBytes('{"@timestamp":'),
  message: asciiBytes(',"message":'),
  tags: asciiBytes(',"tags":'),
  labels: asciiBytes(',"labels":'),
  eventId: asciiBytes(',"event":{"id":'),
  action: asciiBytes(',"action":'),
  outcome: asciiBytes(',"outcome":'),
  duration: asciiBytes(',"duration":'),
  ingested: asciiBytes(',"ingested":'),
  logLevel: asciiBytes('},"log":{"level":'),
  organization: asciiBytes(',"organization":'),
  user: asciiBytes(',"user":'),
  error: asciiBytes(',"error":'),
  id: asciiBytes(',"id":'),
  name: asciiBytes(',"name":'),
  email: asciiBytes(',"email":'),
  type: asciiBytes(',"type":'),
  errorMessage: asciiBytes(',"message":'),
  code: asciiBytes(',"code":'),
  makeSource: asciiBytes(',"make":{"source":'),
  sourceEventId: asciiBytes(',"source_event_id":'),
  recordIndex: asciiBytes(',"record_index":'),
  recordCount: asciiBytes(',"record_count":'),
  redactions: asciiBytes(',"redactions":'),
  zone: asciiBytes(',"zone":'),
  team: asciiBytes(',"team":'),
  scenario: asciiBytes(',"scenario":'),
  folderId: asciiBytes(',"folder_id":'),
  apps: asciiBytes(',"apps":'),
  execution: asciiBytes(',"execution":'),
  status: asciiBytes(',"status":'),
  module: asciiBytes(',"module":'),
  app: asciiBytes(',"app":'),
  operations: asciiBytes(',"operations":'),
  transferBytes: asciiBytes(',"transfer_bytes":'),
  centicredits: asciiBytes(',"centicredits":'),
  errorClass: asciiBytes(',"error":{"class":'),
  causeModule: asciiBytes(',"cause_module":'),
  causeApp: asciiBytes(',"cause_app":'),
  end: asciiBytes('}}}'),
};

/** A string map (Avro `map<string>`) as `pruneEmpty` leaves it: null entries out, empty map out. */
function writeLabels(out: JsonBytes, labels: Readonly<Record<string, string>>): void {
  const afterKey = openObject(out, K.labels);
  // for…in, as pruneEmpty iterates: the same key order (integer-like keys first) as the reference.
  for (const key in labels) {
    const value = labels[key] as unknown;
    if (value === null || value === undefined) continue;
    out.byte(0x2c);
    out.string(key);
    out.byte(0x3a);
    out.value(value);
  }
  closeObject(out, afterKey, K.labels);
}

/**
 * EnrichedLog → the JSON bytes of its ECS document (see `enrichedLogDocument` for the mapping),
 * appended to `out`. Throws (TypeError) on a time that is not a number, as `buildDocument` does;
 * what it wrote before is then for the caller to take back (`out.length`).
 */
export function writeEnrichedLog(out: JsonBytes, log: EnrichedLog): void {
  const error = log.error;
  out.bytes(K.timestamp);
  writeIsoTime(out, log.timestamp, 'timestamp');
  out.bytes(K.message);
  out.string(log.message);
  writeList(out, K.tags, log.tags);
  writeLabels(out, log.labels);
  out.bytes(K.eventId);
  out.string(log.eventId);
  out.bytes(datasetBytes(log.kind));
  if (log.action !== null) {
    out.bytes(K.action);
    out.string(log.action);
  }
  out.bytes(K.outcome);
  writeSymbol(out, log.outcome);
  if (log.durationMs !== null) {
    out.bytes(K.duration);
    out.number(log.durationMs * NANOS_PER_MILLI);
  }
  out.bytes(K.ingested);
  writeIsoTime(out, log.ingestedAt, 'ingestedAt');
  out.bytes(K.logLevel);
  writeSymbol(out, log.level);
  out.byte(0x7d);

  let afterKey = openObject(out, K.organization);
  if (log.organizationId !== null) {
    out.bytes(K.id);
    writeIdText(out, log.organizationId);
  }
  if (log.organizationName !== null) {
    out.bytes(K.name);
    out.string(log.organizationName);
  }
  closeObject(out, afterKey, K.organization);

  afterKey = openObject(out, K.user);
  if (log.userId !== null) {
    out.bytes(K.id);
    out.string(log.userId);
  }
  if (log.userName !== null) {
    out.bytes(K.name);
    out.string(log.userName);
  }
  if (log.userEmail !== null) {
    out.bytes(K.email);
    out.string(log.userEmail);
  }
  closeObject(out, afterKey, K.user);

  afterKey = openObject(out, K.error);
  if (error !== null) {
    out.bytes(K.type);
    out.string(error.name);
    out.bytes(K.errorMessage);
    out.string(error.message);
  }
  if (log.errorClass !== 'NONE') {
    out.bytes(K.code);
    writeSymbol(out, log.errorClass);
  }
  closeObject(out, afterKey, K.error);

  out.bytes(K.makeSource);
  writeSymbol(out, log.source);
  out.bytes(K.sourceEventId);
  out.string(log.sourceEventId);
  out.bytes(K.recordIndex);
  out.number(log.recordIndex);
  out.bytes(K.recordCount);
  out.number(log.recordCount);
  out.bytes(K.redactions);
  out.number(log.redactions);
  out.bytes(K.zone);
  out.string(log.zone);

  afterKey = openObject(out, K.team);
  if (log.teamId !== null) {
    out.bytes(K.id);
    writeIdText(out, log.teamId);
  }
  if (log.teamName !== null) {
    out.bytes(K.name);
    out.string(log.teamName);
  }
  closeObject(out, afterKey, K.team);

  afterKey = openObject(out, K.scenario);
  if (log.scenarioId !== null) {
    out.bytes(K.id);
    writeIdText(out, log.scenarioId);
  }
  if (log.scenarioName !== null) {
    out.bytes(K.name);
    out.string(log.scenarioName);
  }
  if (log.folderId !== null) {
    out.bytes(K.folderId);
    writeIdText(out, log.folderId);
  }
  writeList(out, K.apps, log.scenarioApps);
  closeObject(out, afterKey, K.scenario);

  afterKey = openObject(out, K.execution);
  if (log.executionId !== null) {
    out.bytes(K.id);
    out.string(log.executionId);
  }
  if (log.status !== null) {
    out.bytes(K.status);
    writeSymbol(out, log.status);
  }
  closeObject(out, afterKey, K.execution);

  afterKey = openObject(out, K.module);
  if (log.moduleId !== null) {
    out.bytes(K.id);
    writeIdText(out, log.moduleId);
  }
  if (log.moduleName !== null) {
    out.bytes(K.name);
    out.string(log.moduleName);
  }
  if (log.appName !== null) {
    out.bytes(K.app);
    out.string(log.appName);
  }
  closeObject(out, afterKey, K.module);

  if (log.operations !== null) {
    out.bytes(K.operations);
    out.number(log.operations);
  }
  if (log.transfer !== null) {
    out.bytes(K.transferBytes);
    out.number(log.transfer);
  }
  if (log.centicredits !== null) {
    out.bytes(K.centicredits);
    out.number(log.centicredits);
  }
  out.bytes(K.errorClass);
  writeSymbol(out, log.errorClass);
  if (error !== null && error.causeModuleName !== null) {
    out.bytes(K.causeModule);
    out.string(error.causeModuleName);
  }
  if (error !== null && error.causeModuleApp !== null) {
    out.bytes(K.causeApp);
    out.string(error.causeModuleApp);
  }
  out.bytes(K.end);
}

/** The event time of an EnrichedLog; throws (TypeError) on one that is not a number, as `buildDocument` does. */
export function enrichedLogTime(log: EnrichedLog): number {
  const time = log.timestamp;
  if (!Number.isFinite(time)) isoTime(time, 'timestamp');
  return time;
}

/** EnrichedLog → the JSON text of its ECS document (tests and tools; the connector writes bytes). */
export function enrichedLogJson(log: EnrichedLog): string {
  const out = new JsonBytes(2048);
  writeEnrichedLog(out, log);
  return out.buffer.toString('utf8', 0, out.length);
}

/**
 * The JSON text of a decoded value of `shape`. Throws (TypeError) on a value it cannot place, as
 * `buildDocument` does.
 */
export function sourceJson(shape: DocumentShape, value: unknown): SourceJson {
  if (shape === 'enriched-log') {
    const log = value as EnrichedLog;
    return { eventTimeMs: enrichedLogTime(log), json: enrichedLogJson(log) };
  }
  const document = buildDocument(shape, value);
  return { eventTimeMs: document.eventTimeMs, json: JSON.stringify(document.source) };
}
