/**
 * Deterministic event ids: the same source identity always gives the same id, in any process, on
 * any replay, so duplicates (a webhook resent, a poller re-reading an overlap window, a processor
 * replaying) are recognisable anywhere downstream and idempotent sinks keep one copy.
 *
 * Format (docs/event-ids.md): a UUIDv5 (RFC 9562 §5.5, SHA-1 name-based) in the namespace
 * {@link EVENT_ID_NAMESPACE}, over the name `JSON.stringify([kind, ...components])` where every
 * component is a normalised string. Any language can recompute an id: Python's
 * `uuid.uuid5(ns, json.dumps([kind, *parts], separators=(",", ":")))` gives the same value.
 */
import { createHash, hash } from 'node:crypto';
import { InvalidRecordError } from './errors/index.js';

/** Namespace of every makestream event id. Fixed forever: changing it would change every id. */
export const EVENT_ID_NAMESPACE = 'b80f1166-0878-4fef-b833-e1002d0a0b91';

/** What an id identifies; part of the hashed name, so equal components of different kinds never collide. */
export type EventIdKind =
  | 'execution'
  | 'module-log'
  | 'audit'
  | 'webhook'
  | 'scenario'
  | 'enriched-log'
  | 'metric-window'
  | 'incident'
  | 'anomaly'
  | 'dead-letter';

/** A Make id: a number or its decimal string. */
export type MakeId = number | string;

/** A UUIDv5 (RFC 9562) of `name` in `namespace`, lowercase with hyphens. */
export function uuidV5(namespace: string, name: string): string {
  // Hot path (one call per record on ingest): the namespace is parsed once, namespace + name are
  // hashed in one shot from a reused buffer (crypto.hash, Node >= 20.12), ~3x cheaper than a Hash
  // object per call. Same bytes, same ids.
  let namespaceBytes = namespaceCache.get(namespace);
  if (!namespaceBytes) {
    namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (namespaceBytes.length !== 16) throw new RangeError(`Namespace "${namespace}" is not a UUID.`);
    namespaceCache.set(namespace, namespaceBytes);
  }
  const length = 16 + Buffer.byteLength(name, 'utf8');
  if (length > hashInput.length) hashInput = Buffer.allocUnsafe(length * 2);
  namespaceBytes.copy(hashInput, 0);
  hashInput.write(name, 16, 'utf8');
  const hex =
    typeof hash === 'function'
      ? hash('sha1', hashInput.subarray(0, length), 'hex')
      : createHash('sha1').update(hashInput.subarray(0, length)).digest('hex');
  // Version 5 in the high nibble of byte 6, the RFC 9562 variant (10xx) in the high bits of byte 8.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const namespaceCache = new Map<string, Buffer>();
/** Reused input of uuidV5's hash (synchronous use only). */
let hashInput = Buffer.allocUnsafe(1024);

/**
 * The id of an event of `kind` identified by `components` (already normalised: the typed helpers
 * below normalise theirs). Prefer the typed helpers; use this one for new kinds of derived events.
 */
export function eventId(kind: EventIdKind, components: readonly string[]): string {
  return uuidV5(EVENT_ID_NAMESPACE, JSON.stringify([kind, ...components]));
}

/** A scenario execution, whichever source reported it (poller, webhook, simulator): one execution, one id. */
export function executionEventId(identity: {
  readonly zone: string;
  readonly scenarioId: MakeId;
  readonly executionId: string;
}): string {
  // Hot path (once per ingested execution): the name is spelled directly instead of JSON.stringify of
  // an array. The same text: the normalised components only hold [0-9a-z.:-], which JSON never escapes.
  const zone = normaliseZone(identity.zone);
  const scenarioId = normaliseMakeId(identity.scenarioId, 'scenarioId');
  const executionId = normaliseExecutionId(identity.executionId);
  return uuidV5(EVENT_ID_NAMESPACE, `["execution","${zone}","${scenarioId}","${executionId}"]`);
}

/** One operation of one module in an execution (`sequence`: its position among the module's operations, from 0). */
export function moduleLogEventId(identity: {
  readonly zone: string;
  readonly scenarioId: MakeId;
  readonly executionId: string;
  readonly moduleId: MakeId;
  readonly sequence: number;
}): string {
  return eventId('module-log', [
    normaliseZone(identity.zone),
    normaliseMakeId(identity.scenarioId, 'scenarioId'),
    normaliseExecutionId(identity.executionId),
    normaliseMakeId(identity.moduleId, 'moduleId'),
    normaliseIndex(identity.sequence, 'sequence'),
  ]);
}

/** An audit log entry. Make writes its uuid with or without hyphens: both give the same id. */
export function auditEventId(identity: {
  readonly zone: string;
  readonly organizationId: MakeId;
  readonly uuid: string;
}): string {
  const uuid = identity.uuid.trim().toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(uuid)) invalid(`audit uuid "${identity.uuid}" is not 32 hex digits (hyphens optional)`);
  return eventId('audit', [
    normaliseZone(identity.zone),
    normaliseMakeId(identity.organizationId, 'organizationId'),
    uuid,
  ]);
}

/**
 * A webhook delivery: the receiving source's name and the `Webhook-Id` header, which stays the same
 * across retries and resends. The id is used exactly as sent (it is case-sensitive).
 */
export function webhookEventId(identity: { readonly source: string; readonly webhookId: string }): string {
  if (identity.source.trim() === '') invalid('webhook source name is empty');
  if (identity.webhookId.trim() === '') invalid('Webhook-Id is empty');
  return eventId('webhook', [identity.source, identity.webhookId]);
}

/** One observed state of a scenario (catalog entry). */
export function scenarioCatalogEventId(identity: {
  readonly zone: string;
  readonly scenarioId: MakeId;
  readonly observedAt: number;
}): string {
  return eventId('scenario', [
    normaliseZone(identity.zone),
    normaliseMakeId(identity.scenarioId, 'scenarioId'),
    normaliseIndex(identity.observedAt, 'observedAt'),
  ]);
}

/** A record derived from a raw event: 0 for the event itself, 1…n for its module entries in order. */
export function enrichedLogEventId(identity: { readonly sourceEventId: string; readonly recordIndex: number }): string {
  return eventId('enriched-log', [
    normaliseUuid(identity.sourceEventId, 'sourceEventId'),
    normaliseIndex(identity.recordIndex, 'recordIndex'),
  ]);
}

/** One emission (`revision`, from 0) of one metric window of one scenario. */
export function metricWindowEventId(identity: {
  readonly zone: string;
  readonly scenarioId: MakeId;
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly revision: number;
}): string {
  return eventId('metric-window', [
    normaliseZone(identity.zone),
    normaliseMakeId(identity.scenarioId, 'scenarioId'),
    normaliseIndex(identity.windowSizeMs, 'windowSizeMs'),
    normaliseIndex(identity.windowStart, 'windowStart'),
    normaliseIndex(identity.revision, 'revision'),
  ]);
}

/**
 * One emission (`revision`, from 0) of one team or organization rollup window. Six components
 * against the scenario windows' five, so the two never collide.
 */
export function rollupWindowEventId(identity: {
  readonly zone: string;
  readonly scope: 'TEAM' | 'ORGANIZATION';
  readonly scopeId: number;
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly revision: number;
}): string {
  return eventId('metric-window', [
    normaliseZone(identity.zone),
    identity.scope === 'TEAM' ? 'team' : 'organization',
    normaliseIndex(identity.scopeId, 'scopeId'),
    normaliseIndex(identity.windowSizeMs, 'windowSizeMs'),
    normaliseIndex(identity.windowStart, 'windowStart'),
    normaliseIndex(identity.revision, 'revision'),
  ]);
}

/** One transition (`revision`, from 1) of one incident. */
export function incidentEventId(identity: { readonly fingerprint: string; readonly revision: number }): string {
  if (identity.fingerprint === '') invalid('incident fingerprint is empty');
  return eventId('incident', [identity.fingerprint, normaliseIndex(identity.revision, 'revision')]);
}

/** One anomaly: a detector's verdict on one metric of one scenario in one window. */
export function anomalyEventId(identity: {
  readonly zone: string;
  readonly scenarioId: MakeId;
  readonly detector: string;
  readonly metric: string;
  readonly windowSizeMs: number;
  readonly windowStart: number;
}): string {
  return eventId('anomaly', [
    normaliseZone(identity.zone),
    normaliseMakeId(identity.scenarioId, 'scenarioId'),
    identity.detector,
    identity.metric,
    normaliseIndex(identity.windowSizeMs, 'windowSizeMs'),
    normaliseIndex(identity.windowStart, 'windowStart'),
  ]);
}

/** A record from the log that a stage gave up on. */
export function deadLetterEventId(identity: {
  readonly stage: string;
  readonly component: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}): string {
  return eventId('dead-letter', [
    identity.stage,
    identity.component,
    identity.topic,
    normaliseIndex(identity.partition, 'partition'),
    normaliseIndex(identity.offset, 'offset'),
  ]);
}

/** Zones are host names (`eu1.make.com`, `local.make.cloud:8443`): case-insensitive, so lowercased. */
export function normaliseZone(zone: string): string {
  // A source has one zone or a few: the last one is remembered (the check below is per distinct text).
  if (zone === lastZone) return lastNormalZone;
  const normal = zone.trim().toLowerCase();
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/.test(normal)) {
    invalid(`zone "${zone}" is not a host name (give "eu1.make.com", not a URL)`);
  }
  lastZone = zone;
  lastNormalZone = normal;
  return normal;
}

let lastZone: string | undefined;
let lastNormalZone = '';

/** Make ids are non-negative integers; a number and its decimal string give the same component. */
export function normaliseMakeId(id: MakeId, field: string): string {
  // The decimal text of a non-negative safe integer always passes the check below (-0 gives "0").
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return String(id);
  const text = typeof id === 'number' ? (Number.isSafeInteger(id) ? String(id) : '') : id.trim();
  if (!/^(0|[1-9][0-9]*)$/.test(text)) invalid(`${field} ${JSON.stringify(id)} is not a non-negative integer`);
  return text;
}

/** Execution ids are hex: lowercased, so that casing differences between sources do not split duplicates. */
function normaliseExecutionId(executionId: string): string {
  const normal = executionId.trim().toLowerCase();
  if (!/^[0-9a-z]+$/.test(normal)) invalid(`executionId "${executionId}" is not a Make execution id`);
  return normal;
}

function normaliseUuid(value: string, field: string): string {
  const normal = value.trim().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(normal)) {
    invalid(`${field} "${value}" is not an event id (a UUID)`);
  }
  return normal;
}

function normaliseIndex(value: number, field: string): string {
  if (!Number.isSafeInteger(value) || value < 0) invalid(`${field} ${value} is not a non-negative integer`);
  return String(value);
}

function invalid(reason: string): never {
  throw new InvalidRecordError(`Cannot derive an event id: ${reason}.`, { stage: 'processing', component: 'ids' });
}
