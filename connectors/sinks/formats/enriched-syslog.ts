/**
 * EnrichedLog → RFC 5424 message, written directly: the same bytes as `formatRfc5424` over the
 * mapping (golden.test.ts pins them), without the message object and parameter array per event.
 *
 * Per-record constants are cached: the `<PRI>1 ` prefix by facility and severity, the timestamp's
 * `YYYY-MM-DDThh:mm:ss.` by second (events arrive roughly in time order, so most share the previous
 * event's second; only the milliseconds are written), the header fields by their last value, the
 * ` name="` prefixes of the structured data once.
 */
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { enrichedLogToCef } from './enriched-cef.js';
import { makestreamDevice, syslogSeverityOf, type DeviceIdentity } from './enriched-fields.js';
import { enrichedLogToLeef } from './enriched-leef.js';
import {
  escapeParamValue,
  headerField,
  priority,
  rfc3339,
  sdName,
  syslogFacility,
  type Rfc5424Options,
} from './rfc5424.js';

/** SD-ID of makestream's structured data (private: name@PEN; 32473 is the PEN RFC 5612 reserves for examples). */
export const MAKESTREAM_SD_ID = 'make@32473';

/** Options of {@link enrichedLogToRfc5424}. */
export interface EnrichedSyslogOptions extends Rfc5424Options {
  readonly facility?: number;
  readonly hostname?: string;
  readonly appName?: string;
  /** MSG body: the record's message (default), or the CEF / LEEF line. */
  readonly payload?: 'message' | 'cef' | 'leef';
  readonly device?: DeviceIdentity;
}

/** `<PRI>1 ` by PRI value (0–191). */
const priorityPrefixes: string[] = [];

/** Last second written and its `YYYY-MM-DDThh:mm:ss.` (valid for timestamps of four-digit years). */
let cachedSecond = Number.NaN;
let cachedSecondPrefix = '';
/** 9999-12-31T23:59:59.999Z: later timestamps have a six-digit year with a sign (`+010000-…`). */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const MILLISECONDS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);

/** The RFC 3339 timestamp, as `rfc3339` writes it (toISOString), from a per-second prefix. */
function timestampField(timestamp: number): string {
  // Fractions, negatives and years after 9999 take toISOString itself.
  if (!(timestamp >= 0 && timestamp <= LAST_FOUR_DIGIT_YEAR_MS && timestamp % 1 === 0)) return rfc3339(timestamp);
  const ms = timestamp % 1000;
  const second = timestamp - ms;
  if (second !== cachedSecond) {
    cachedSecondPrefix = rfc3339(second).slice(0, 20);
    cachedSecond = second;
  }
  return cachedSecondPrefix + MILLISECONDS[ms]!;
}

/** `headerField(value, maxLength)` with the last value remembered (hostnames and app names repeat). */
function lastValueField(maxLength: number): (value: string | null | undefined) => string {
  let last: string | null | undefined;
  let field = headerField(undefined, maxLength);
  return (value) => {
    if (value !== last) {
      field = headerField(value, maxLength);
      last = value;
    }
    return field;
  };
}

const hostnameField = lastValueField(255);
const appNameField = lastValueField(48);
const msgIdField = lastValueField(32);

/** ` name="` of each parameter (SD-NAMEs cleaned as formatStructuredData cleans them). */
const open = (name: string): string => ` ${sdName(name)}="`;
const SD_START = `[${sdName(MAKESTREAM_SD_ID)}`;
const EVENT_ID = open('eventId');
const SCENARIO_ID = open('scenarioId');
const SCENARIO_NAME = open('scenarioName');
const EXECUTION_ID = open('executionId');
const ORGANIZATION_ID = open('organizationId');
const TEAM_ID = open('teamId');
const STATUS = open('status');
const ERROR_NAME = open('errorName');

/** ` name="value"` with the value escaped; '' when there is no value. */
function param(prefix: string, value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return `${prefix}${typeof value === 'string' ? escapeParamValue(value) : escapeParamValue(String(value))}"`;
}

/** The record as an RFC 5424 message with the Make context in structured data. */
export function enrichedLogToRfc5424(log: EnrichedLog, options: EnrichedSyslogOptions = {}): string {
  const device = options.device ?? makestreamDevice;
  const payload = options.payload ?? 'message';
  const message =
    payload === 'cef'
      ? enrichedLogToCef(log, device)
      : payload === 'leef'
        ? enrichedLogToLeef(log, device)
        : log.message;
  // priority() checks the ranges (a facility from config may be out of range): it throws as before.
  const pri = priority(options.facility ?? syslogFacility.local0, syslogSeverityOf(log));
  const hostname = options.hostname ?? log.zone;
  const appName = options.appName ?? 'makestream';
  const header =
    (priorityPrefixes[pri] ??= `<${pri}>1 `) +
    `${log.timestamp === null ? '-' : timestampField(log.timestamp)} ` +
    `${hostnameField(hostname)} ${appNameField(appName)} - ${msgIdField(log.kind)} ` +
    SD_START +
    param(EVENT_ID, log.eventId) +
    param(SCENARIO_ID, log.scenarioId) +
    param(SCENARIO_NAME, log.scenarioName) +
    param(EXECUTION_ID, log.executionId) +
    param(ORGANIZATION_ID, log.organizationId) +
    param(TEAM_ID, log.teamId) +
    param(STATUS, log.status) +
    param(ERROR_NAME, log.error?.name) +
    ']';
  if (message === null || message === undefined) return header;
  return `${header} ${options.byteOrderMark ? '\uFEFF' : ''}${message}`;
}
