/**
 * The search sink's EnrichedLog writer as of 2026-11-27 (`connectors/sinks/elasticsearch/source-json.ts`
 * at 37d9719): one template string per document, appended to the request body with
 * `Buffer#write`. Kept as the "before" of `bench/sinks/elasticsearch-documents.ts`, so that the
 * connector's byte writer is measured against it in the same process.
 */
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { createIsoTimeFormatter, YEAR_10000_MS } from '../../../pipeline/sink/iso-time.js';
import { isoTime } from '../../../connectors/sinks/elasticsearch/documents.js';

const NANOS_PER_MILLI = 1_000_000;
/** ISO text of epoch ms, with the day part cached (the sink runtime's shared formatter). */
const isoCached = createIsoTimeFormatter();

/**
 * `new Date(ms).toISOString()` at a fraction of its cost (it runs twice per document). Times before
 * 1970 or after 9999 take `isoTime` itself; a time that is not a number throws, as `isoTime` does.
 */
function isoUtc(ms: number, field: string): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return isoTime(ms, field);
  return isoCached(ms);
}

/** A JSON string literal. */
const quote = JSON.stringify as (value: string) => string;
// As JSON.stringify writes numbers: a non-finite one becomes null (the reference keeps the field).
const numeric = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');
// Avro enum symbols are [A-Za-z_][A-Za-z0-9_]*: nothing to escape once lowercased.
const symbol = (value: string): string => `"${value.toLowerCase()}"`;

/** An array as the reference leaves it: absent when empty. */
const listMember = (key: string, value: readonly unknown[]): string =>
  value.length === 0 ? '' : `,"${key}":${JSON.stringify(value)}`;

/** An object from its members (each starting with a comma), absent when it has none. */
const objectMember = (key: string, members: string): string =>
  members === '' ? '' : `,"${key}":{${members.slice(1)}}`;

/** A string map (Avro `map<string>`) as `pruneEmpty` leaves it: null entries out, empty map out. */
function labelsMember(labels: Readonly<Record<string, string>>): string {
  let members = '';
  // for…in, as pruneEmpty iterates: the same key order (integer-like keys first) as the reference.
  for (const key in labels) {
    const value = labels[key] as unknown;
    if (value !== null && value !== undefined) members += `,${quote(key)}:${JSON.stringify(value)}`;
  }
  return objectMember('labels', members);
}

/**
 * EnrichedLog → the JSON text of its ECS document (see `enrichedLogDocument` for the mapping): one
 * template per object, optional members appended only when present.
 */
export function enrichedLogJson(log: EnrichedLog): string {
  // The event time first: a record with a bad one fails with the same message as buildDocument's.
  const timestamp = isoUtc(log.timestamp, 'timestamp');
  const error = log.error;
  let json = `{"@timestamp":"${timestamp}","message":${quote(log.message)}`;
  json += listMember('tags', log.tags);
  json += labelsMember(log.labels);
  json += `,"event":{"id":${quote(log.eventId)},"dataset":"make.${log.kind.toLowerCase()}","kind":"event"`;
  if (log.action !== null) json += `,"action":${quote(log.action)}`;
  json += `,"outcome":${symbol(log.outcome)}`;
  if (log.durationMs !== null) json += `,"duration":${numeric(log.durationMs * NANOS_PER_MILLI)}`;
  json += `,"ingested":"${isoUtc(log.ingestedAt, 'ingestedAt')}"},"log":{"level":${symbol(log.level)}}`;

  let members = '';
  if (log.organizationId !== null) members += `,"id":"${log.organizationId}"`;
  if (log.organizationName !== null) members += `,"name":${quote(log.organizationName)}`;
  json += objectMember('organization', members);
  members = '';
  if (log.userId !== null) members += `,"id":${quote(log.userId)}`;
  if (log.userName !== null) members += `,"name":${quote(log.userName)}`;
  if (log.userEmail !== null) members += `,"email":${quote(log.userEmail)}`;
  json += objectMember('user', members);
  members = '';
  if (error !== null) members += `,"type":${quote(error.name)},"message":${quote(error.message)}`;
  if (log.errorClass !== 'NONE') members += `,"code":${symbol(log.errorClass)}`;
  json += objectMember('error', members);

  json +=
    `,"make":{"source":${symbol(log.source)},"source_event_id":${quote(log.sourceEventId)}` +
    `,"record_index":${numeric(log.recordIndex)},"record_count":${numeric(log.recordCount)}` +
    `,"redactions":${numeric(log.redactions)},"zone":${quote(log.zone)}`;
  members = '';
  if (log.teamId !== null) members += `,"id":"${log.teamId}"`;
  if (log.teamName !== null) members += `,"name":${quote(log.teamName)}`;
  json += objectMember('team', members);
  members = '';
  if (log.scenarioId !== null) members += `,"id":"${log.scenarioId}"`;
  if (log.scenarioName !== null) members += `,"name":${quote(log.scenarioName)}`;
  if (log.folderId !== null) members += `,"folder_id":"${log.folderId}"`;
  members += listMember('apps', log.scenarioApps);
  json += objectMember('scenario', members);
  members = '';
  if (log.executionId !== null) members += `,"id":${quote(log.executionId)}`;
  if (log.status !== null) members += `,"status":${symbol(log.status)}`;
  json += objectMember('execution', members);
  members = '';
  if (log.moduleId !== null) members += `,"id":"${log.moduleId}"`;
  if (log.moduleName !== null) members += `,"name":${quote(log.moduleName)}`;
  if (log.appName !== null) members += `,"app":${quote(log.appName)}`;
  json += objectMember('module', members);
  if (log.operations !== null) json += `,"operations":${numeric(log.operations)}`;
  if (log.transfer !== null) json += `,"transfer_bytes":${numeric(log.transfer)}`;
  if (log.centicredits !== null) json += `,"centicredits":${numeric(log.centicredits)}`;
  json += `,"error":{"class":${symbol(log.errorClass)}`;
  if (error !== null && error.causeModuleName !== null) json += `,"cause_module":${quote(error.causeModuleName)}`;
  if (error !== null && error.causeModuleApp !== null) json += `,"cause_app":${quote(error.causeModuleApp)}`;
  return `${json}}}}`;
}
