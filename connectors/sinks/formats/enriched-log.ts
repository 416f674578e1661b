/**
 * How an EnrichedLog maps onto the SIEM formats: CEF, LEEF 2.0 and RFC 5424 output of the same
 * record say the same thing. Field choices follow the CEF dictionary (rt, externalId, msg, outcome,
 * act, suser, cs1–cs6 with labels, cn1–cn3 with labels) and QRadar's LEEF attributes (devTime, sev,
 * cat, usrName); the table is in README.md.
 *
 * Each format has its own writer (enriched-cef.ts, enriched-leef.ts, enriched-syslog.ts) that builds
 * the line directly instead of going through the generic `formatCef` / `formatLeef` /
 * `formatRfc5424` with a pair array per event: the bytes are the same (golden.test.ts), the speed
 * is what the SIEM throughput targets need (bench/siem). This module is the one import path.
 */
export { enrichedLogToCef } from './enriched-cef.js';
export {
  eventNameOf,
  makestreamDevice,
  severityOf,
  signatureOf,
  syslogSeverityOf,
  type DeviceIdentity,
} from './enriched-fields.js';
export { enrichedLogToLeef } from './enriched-leef.js';
export { enrichedLogToRfc5424, MAKESTREAM_SD_ID, type EnrichedSyslogOptions } from './enriched-syslog.js';
