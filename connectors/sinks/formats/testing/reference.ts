/**
 * The EnrichedLog mappings as they were before the direct writers (enriched-cef.ts, enriched-leef.ts,
 * enriched-syslog.ts): pair arrays through the generic `formatCef`, `formatLeef` and `formatRfc5424`.
 * Kept as the oracle of `enriched.test.ts`, which checks that the fast writers give the same bytes
 * for any record and any options (the golden file pins one corpus; this covers the rest).
 */
import type { EnrichedLog } from '../../../../schemas/generated/types.js';
import { formatCef } from '../cef.js';
import {
  eventNameOf,
  makestreamDevice,
  outcomeOf,
  severityOf,
  signatureOf,
  syslogSeverityOf,
  type DeviceIdentity,
} from '../enriched-fields.js';
import { MAKESTREAM_SD_ID, type EnrichedSyslogOptions } from '../enriched-syslog.js';
import { formatLeef, type LeefOptions } from '../leef.js';
import { formatRfc5424, syslogFacility } from '../rfc5424.js';

/** The record as a CEF line (reference). */
export function referenceCef(log: EnrichedLog, device: DeviceIdentity = makestreamDevice): string {
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

/** The record as a LEEF 2.0 line (reference). */
export function referenceLeef(
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

/** The record as an RFC 5424 message (reference). */
export function referenceRfc5424(log: EnrichedLog, options: EnrichedSyslogOptions = {}): string {
  const device = options.device ?? makestreamDevice;
  const payload = options.payload ?? 'message';
  const message =
    payload === 'cef' ? referenceCef(log, device) : payload === 'leef' ? referenceLeef(log, device) : log.message;
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
