/**
 * The EnrichedLog fields every SIEM format shares (severity, event class, outcome, device), so CEF,
 * LEEF and RFC 5424 output of the same record say the same thing; and the small caches the fast
 * writers keep of per-record constants.
 */
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { syslogSeverity } from './rfc5424.js';

/** Who the events say they come from. */
export interface DeviceIdentity {
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
}

/** makestream's own identity in SIEM headers. */
export const makestreamDevice: DeviceIdentity = { vendor: 'makestream', product: 'makestream', version: '1' };

/** CEF severity (0–10) of a record: error 8, warning 5, info 3, debug 1, unknown 5. */
export function severityOf(log: EnrichedLog): number {
  switch (log.level) {
    case 'ERROR':
      return 8;
    case 'WARN':
      return 5;
    case 'INFO':
      return 3;
    case 'DEBUG':
      return 1;
    default:
      return 5;
  }
}

/** Syslog severity (0–7) of a record. */
export function syslogSeverityOf(log: EnrichedLog): number {
  switch (log.level) {
    case 'ERROR':
      return syslogSeverity.error;
    case 'WARN':
      return syslogSeverity.warning;
    case 'DEBUG':
      return syslogSeverity.debug;
    default:
      return syslogSeverity.informational;
  }
}

/** The event class: `make:<kind>:<status>` in lower case, e.g. `make:execution:error`. */
export function signatureOf(log: EnrichedLog): string {
  return `make:${log.kind.toLowerCase()}:${(log.status ?? log.outcome).toLowerCase()}`;
}

/** A short name of the event class, e.g. `Scenario execution error`. */
export function eventNameOf(log: EnrichedLog): string {
  const what = {
    EXECUTION: 'Scenario execution',
    MODULE: 'Module operation',
    AUDIT: 'Audit event',
    WEBHOOK: 'Webhook event',
  }[log.kind as 'EXECUTION' | 'MODULE' | 'AUDIT' | 'WEBHOOK'];
  const how = (log.status ?? log.outcome).toLowerCase();
  return `${what ?? 'Make event'} ${how}`;
}

/** `success` / `failure`, or null when the outcome is unknown (the key is then left out). */
export function outcomeOf(log: EnrichedLog): string | null {
  return log.outcome === 'UNKNOWN' ? null : log.outcome.toLowerCase();
}

/** Entries a {@link boundedCache} keeps; keys come from enums and config, so this is never reached in practice. */
const CACHE_LIMIT = 256;

/**
 * A memo of `compute` by string key, bounded (entries past the bound are computed every time).
 * The fast writers keep derived constants here: escaped event classes, category fields, lower-case
 * outcomes. Keys are enum symbols (avsc hands out the same string objects), so lookups are cheap.
 */
export function boundedCache<T>(compute: (key: string) => T): (key: string) => T {
  const entries = new Map<string, T>();
  return (key) => {
    let value = entries.get(key);
    if (value === undefined) {
      value = compute(key);
      if (entries.size < CACHE_LIMIT) entries.set(key, value);
    }
    return value;
  };
}

/**
 * A memo of `compute` for the last device identity seen (devices come from config: one object per
 * sink or processor). The same object hits at once (the fields are readonly); another object with
 * the same fields hits after comparing them.
 */
export function deviceCache<T>(compute: (device: DeviceIdentity) => T): (device: DeviceIdentity) => T {
  let last: DeviceIdentity | undefined;
  let value: T | undefined;
  return (device) => {
    if (
      last === undefined ||
      (last !== device &&
        (last.vendor !== device.vendor || last.product !== device.product || last.version !== device.version))
    ) {
      value = compute(device);
      last = device;
    }
    return value as T;
  };
}
