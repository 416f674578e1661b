/**
 * HEC request bodies: one JSON envelope per record (`time` in epoch seconds with milliseconds,
 * `event` the ECS document of the record, index-time `fields`), concatenated without commas or an
 * enclosing array, and cut into requests within the byte and count limits.
 */
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

/** A request body with the batch positions of its envelopes. */
export interface HecChunk {
  readonly positions: readonly number[];
  readonly envelopes: readonly string[];
}

/** The body of a chunk: envelopes separated by newlines. */
export function chunkBody(chunk: HecChunk): string {
  return chunk.envelopes.join('\n');
}

/** Cuts envelopes (in order) into chunks of at most `maxEvents` and `maxBytes` (a lone larger one stays alone). */
export function chunkEnvelopes(
  entries: readonly { readonly position: number; readonly text: string }[],
  maxBytes: number,
  maxEvents: number,
): HecChunk[] {
  const chunks: HecChunk[] = [];
  let positions: number[] = [];
  let envelopes: string[] = [];
  let bytes = 0;
  for (const { position, text } of entries) {
    const size = Buffer.byteLength(text, 'utf8') + 1;
    if (envelopes.length > 0 && (envelopes.length >= maxEvents || bytes + size > maxBytes)) {
      chunks.push({ positions, envelopes });
      positions = [];
      envelopes = [];
      bytes = 0;
    }
    positions.push(position);
    envelopes.push(text);
    bytes += size;
  }
  if (envelopes.length > 0) chunks.push({ positions, envelopes });
  return chunks;
}

/** Splits a chunk in two halves (for 413 and bisecting a rejected batch). */
export function halves(chunk: HecChunk): [HecChunk, HecChunk] {
  const middle = Math.ceil(chunk.envelopes.length / 2);
  return [
    { positions: chunk.positions.slice(0, middle), envelopes: chunk.envelopes.slice(0, middle) },
    { positions: chunk.positions.slice(middle), envelopes: chunk.envelopes.slice(middle) },
  ];
}

/** The chunk without its `index`-th envelope. */
export function without(chunk: HecChunk, index: number): HecChunk {
  return {
    positions: chunk.positions.filter((_, at) => at !== index),
    envelopes: chunk.envelopes.filter((_, at) => at !== index),
  };
}
