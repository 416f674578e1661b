/**
 * HEC request bodies: one JSON envelope per record (`time` in epoch seconds with milliseconds,
 * `event` the ECS document of the record, index-time `fields`), concatenated without commas or an
 * enclosing array (cut into requests by `pipeline/sink/requests.ts`).
 */
import type { RequestChunk } from '../../../pipeline/sink/requests.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { enrichedLogDocument } from '../elasticsearch/documents.js';
import { TRUNCATION_MARKER, truncateUtf8 } from '../formats/truncate.js';
import type { SplunkHecSinkConfig } from './config.js';

/** The envelope settings taken from the config. */
export type EnvelopeOptions = Pick<SplunkHecSinkConfig, 'index' | 'source' | 'sourcetype' | 'host' | 'maxEventBytes'>;

/** Epoch ms → HEC `time`: seconds with exactly the milliseconds as fraction (1764248700.123). */
export function hecTime(epochMs: number): number {
  return Math.round(epochMs) / 1000;
}

/** Index-time fields: flat, string values only (HEC code 15 otherwise). */
export function indexedFields(log: EnrichedLog): Record<string, string> {
  const fields: Record<string, string> = {
    event_id: log.eventId,
    level: log.level.toLowerCase(),
    kind: log.kind.toLowerCase(),
    zone: log.zone,
  };
  if (log.organizationId !== null) fields.org_id = String(log.organizationId);
  if (log.scenarioId !== null) fields.scenario_id = String(log.scenarioId);
  if (log.executionId !== null) fields.execution_id = log.executionId;
  return fields;
}

/**
 * One envelope as JSON text. When it is larger than `maxEventBytes`, the message is cut (marked with
 * `…[truncated]`) and `make.truncated` / field `truncated` say so; if that is not enough (large
 * other fields), `event` becomes the cut JSON text of the document.
 */
export function hecEnvelope(log: EnrichedLog, options: EnvelopeOptions): string {
  const event = enrichedLogDocument(log).source;
  const fields = indexedFields(log);
  const envelope = (body: unknown, extra: Record<string, string> = {}): string =>
    JSON.stringify({
      time: hecTime(log.timestamp),
      host: options.host ?? log.zone,
      source: options.source,
      sourcetype: options.sourcetype,
      ...(options.index === undefined ? {} : { index: options.index }),
      event: body,
      fields: { ...fields, ...extra },
    });
  const whole = envelope(event);
  const size = Buffer.byteLength(whole, 'utf8');
  if (size <= options.maxEventBytes) return whole;
  const messageBytes = Buffer.byteLength(log.message, 'utf8');
  // Each byte cut from the message removes at least one byte of JSON; 64 bytes cover marker and flags.
  const over = size - options.maxEventBytes + 64;
  if (messageBytes > over) {
    const make = (event.make as Record<string, unknown> | undefined) ?? {};
    const cut = {
      ...event,
      message: truncateUtf8(log.message, messageBytes - over),
      make: { ...make, truncated: true },
    };
    const text = envelope(cut, { truncated: 'true' });
    if (Buffer.byteLength(text, 'utf8') <= options.maxEventBytes) return text;
  }
  const bare = envelope('', { truncated: 'true' });
  const room = options.maxEventBytes - Buffer.byteLength(bare, 'utf8') - 64;
  const text = truncateUtf8(JSON.stringify(event), Math.max(TRUNCATION_MARKER.length, Math.floor(room / 2)));
  return envelope(text, { truncated: 'true' });
}

/** The body of a request: envelopes separated by newlines (HEC takes them concatenated). */
export function chunkBody(chunk: RequestChunk): string {
  return chunk.entries.join('\n');
}
