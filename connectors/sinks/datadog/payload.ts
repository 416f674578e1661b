/**
 * Datadog log entries: the ECS document of the record as attributes, plus the reserved fields
 * `ddsource`, `ddtags`, `service`, `hostname`, `status` (from the level) and `message`, and
 * `timestamp` in epoch ms (the first date attribute Datadog reads). Entries go out as JSON arrays.
 */
import type { EnrichedLog, LogLevel } from '../../../schemas/generated/types.js';
import { enrichedLogDocument } from '../elasticsearch/documents.js';
import { truncateUtf8 } from '../formats/truncate.js';
import type { DatadogSinkConfig } from './config.js';

/** Entry settings taken from the config. */
export type EntryOptions = Pick<DatadogSinkConfig, 'ddsource' | 'ddtags' | 'service' | 'hostname' | 'maxLogBytes'>;

/** Datadog status per level (names the status remapper reads as such). */
export const datadogStatus: Readonly<Record<LogLevel, string>> = {
  UNKNOWN: 'info',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * One entry as JSON text. An entry over `maxLogBytes` gets its message cut (ending in
 * `…[truncated]`) and attribute `truncated: true`; Datadog would cut it anyway, this keeps the cut
 * visible and inside our control.
 */
export function datadogEntry(log: EnrichedLog, options: EntryOptions): string {
  const { message: _message, ...attributes } = enrichedLogDocument(log).source;
  const entry = (message: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({
      ...attributes,
      ddsource: options.ddsource,
      ddtags: [...options.ddtags, `level:${log.level.toLowerCase()}`].join(','),
      service: options.service,
      hostname: options.hostname ?? log.zone,
      status: datadogStatus[log.level],
      timestamp: log.timestamp,
      message,
      ...extra,
    });
  const whole = entry(log.message);
  const size = Buffer.byteLength(whole, 'utf8');
  if (size <= options.maxLogBytes) return whole;
  const messageBytes = Buffer.byteLength(log.message, 'utf8');
  // Each byte cut from the message removes at least one byte of JSON; 64 bytes cover marker and flag.
  const keep = Math.max(0, messageBytes - (size - options.maxLogBytes + 64));
  return entry(truncateUtf8(log.message, keep), { truncated: true });
}

/** A JSON array body of entries. */
export function arrayBody(entries: readonly string[]): string {
  return `[${entries.join(',')}]`;
}
