/**
 * How an EnrichedLog maps onto the SIEM formats: one place, so CEF, LEEF and RFC 5424 output of the
 * same record say the same thing. Field choices follow the CEF dictionary (rt, externalId, msg,
 * outcome, act, suser, cs1–cs6 with labels, cn1–cn3 with labels) and QRadar's LEEF attributes
 * (devTime, sev, cat, usrName).
 */
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { formatCef } from './cef.js';
import { formatLeef, type LeefOptions } from './leef.js';
import { formatRfc5424, syslogFacility, syslogSeverity, type Rfc5424Options } from './rfc5424.js';

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

function outcomeOf(log: EnrichedLog): string | null {
  return log.outcome === 'UNKNOWN' ? null : log.outcome.toLowerCase();
}

/** The record as a CEF line. */
export function enrichedLogToCef(log: EnrichedLog, device: DeviceIdentity = makestreamDevice): string {
  return formatCef({
    deviceVendor: device.vendor,
    deviceProduct: device.product,
    deviceVersion: device.version,
    signatureId: signatureOf(log),
    name: eventNameOf(log),
    severity: severityOf(log),
    extension: [
      ['rt', log.timestamp],
      ['deviceExternalId', log.eventId],
      ['externalId', log.executionId],
      ['cat', `make.${log.kind.toLowerCase()}`],
      ['act', log.action],
      ['outcome', outcomeOf(log)],
      ['suser', log.userName ?? log.userEmail],
      ['suid', log.userId],
      ['dvchost', log.zone],
      ['msg', log.message],
      ['reason', log.error?.message],
      ['cs1Label', log.scenarioName === null ? null : 'scenarioName'],
      ['cs1', log.scenarioName],
      ['cs2Label', log.teamName === null ? null : 'teamName'],
      ['cs2', log.teamName],
      ['cs3Label', log.organizationName === null ? null : 'organizationName'],
      ['cs3', log.organizationName],
      ['cs4Label', log.error === null ? null : 'errorName'],
      ['cs4', log.error?.name],
      ['cs5Label', log.moduleName === null ? null : 'moduleName'],
      ['cs5', log.moduleName],
      ['cs6Label', log.appName === null ? null : 'appName'],
      ['cs6', log.appName],
      ['cn1Label', log.scenarioId === null ? null : 'scenarioId'],
      ['cn1', log.scenarioId],
      ['cn2Label', log.durationMs === null ? null : 'durationMs'],
      ['cn2', log.durationMs],
      ['cn3Label', log.operations === null ? null : 'operations'],
      ['cn3', log.operations],
    ],
  });
}

/** The record as a LEEF 2.0 line. */
export function enrichedLogToLeef(
  log: EnrichedLog,
  device: DeviceIdentity = makestreamDevice,
  options: LeefOptions = {},
): string {
  return formatLeef(
    {
      vendor: device.vendor,
      product: device.product,
      version: device.version,
      eventId: signatureOf(log),
      attributes: [
        ['devTime', log.timestamp],
        ['devTimeFormat', 'epoch_millis'],
        ['sev', severityOf(log)],
        ['cat', `make.${log.kind.toLowerCase()}`],
        ['eventId', log.eventId],
        ['executionId', log.executionId],
        ['usrName', log.userName ?? log.userEmail],
        ['outcome', outcomeOf(log)],
        ['action', log.action],
        ['scenarioId', log.scenarioId],
        ['scenarioName', log.scenarioName],
        ['teamName', log.teamName],
        ['organizationName', log.organizationName],
        ['zone', log.zone],
        ['errorName', log.error?.name],
        ['errorMessage', log.error?.message],
        ['durationMs', log.durationMs],
        ['msg', log.message],
      ],
    },
    options,
  );
}

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
  return formatRfc5424(
    {
      facility: options.facility ?? syslogFacility.local0,
      severity: syslogSeverityOf(log),
      timestamp: log.timestamp,
      hostname: options.hostname ?? log.zone,
      appName: options.appName ?? 'makestream',
      procId: null,
      msgId: log.kind,
      structuredData: [
        {
          id: MAKESTREAM_SD_ID,
          params: [
            ['eventId', log.eventId],
            ['scenarioId', log.scenarioId],
            ['scenarioName', log.scenarioName],
            ['executionId', log.executionId],
            ['organizationId', log.organizationId],
            ['teamId', log.teamId],
            ['status', log.status],
            ['errorName', log.error?.name],
          ],
        },
      ],
      message,
    },
    options,
  );
}
