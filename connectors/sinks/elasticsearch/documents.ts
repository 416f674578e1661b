/**
 * Events as Elastic Common Schema (ECS) documents. Every document has `@timestamp` (the event
 * time), `event.id` (the deterministic event id, also the `_id`), `event.dataset` and
 * `event.kind`; fields ECS has no place for live under `make.*`, as the field docs of
 * `schemas/*.avsc` name them. Nulls are left out (an absent field and a null are the same to a
 * search, and documents get smaller). Enum values are written in lowercase, as ECS expects.
 */
import type {
  Anomaly,
  AuditEvent,
  EnrichedLog,
  Incident,
  MetricWindow,
  Severity,
} from '../../../schemas/generated/types.js';
import { datasets, type DocumentShape } from './datasets.js';

/** A document ready to index, with the event time that places it. */
export interface SearchDocument {
  readonly eventTimeMs: number;
  readonly source: Record<string, unknown>;
}

/** ECS `event.severity` is a number: the higher, the more severe. */
const severityNumber: Record<Severity, number | null> = {
  UNKNOWN: null,
  LOW: 1,
  MEDIUM: 2,
  HIGH: 3,
  CRITICAL: 4,
};

const NANOS_PER_MILLI = 1_000_000;

/** Epoch ms as an ISO-8601 UTC string; throws on a time that is not a finite number. */
export function isoTime(epochMs: number, field: string): string {
  if (!Number.isFinite(epochMs)) throw new TypeError(`${field} is not a time: ${String(epochMs)}`);
  return new Date(epochMs).toISOString();
}

const isoOrNull = (epochMs: number | null, field: string): string | null =>
  epochMs === null ? null : isoTime(epochMs, field);

const lower = (value: string | null): string | null => (value === null ? null : value.toLowerCase());
const idText = (id: number | null): string | null => (id === null ? null : String(id));

/** Drops nulls, undefined, empty objects and empty arrays, recursively (objects only). */
export function pruneEmpty(value: Record<string, unknown>): Record<string, unknown> | undefined {
  let kept: Record<string, unknown> | undefined;
  for (const key in value) {
    let field = value[key];
    if (field === null || field === undefined) continue;
    if (Array.isArray(field)) {
      if (field.length === 0) continue;
    } else if (typeof field === 'object' && !Buffer.isBuffer(field)) {
      field = pruneEmpty(field as Record<string, unknown>);
      if (field === undefined) continue;
    }
    (kept ??= {})[key] = field;
  }
  return kept;
}

function document(eventTimeMs: number, fields: Record<string, unknown>): SearchDocument {
  return { eventTimeMs, source: pruneEmpty(fields) ?? {} };
}

/** EnrichedLog (make.logs.enriched.v1) → ECS log event. */
export function enrichedLogDocument(log: EnrichedLog): SearchDocument {
  return document(log.timestamp, {
    '@timestamp': isoTime(log.timestamp, 'timestamp'),
    message: log.message,
    tags: log.tags,
    labels: log.labels,
    event: {
      id: log.eventId,
      dataset: `make.${log.kind.toLowerCase()}`,
      kind: 'event',
      action: log.action,
      outcome: log.outcome.toLowerCase(),
      duration: log.durationMs === null ? null : log.durationMs * NANOS_PER_MILLI,
      ingested: isoTime(log.ingestedAt, 'ingestedAt'),
    },
    log: { level: log.level.toLowerCase() },
    organization: { id: idText(log.organizationId), name: log.organizationName },
    user: { id: log.userId, name: log.userName, email: log.userEmail },
    error: {
      type: log.error?.name ?? null,
      message: log.error?.message ?? null,
      code: log.errorClass === 'NONE' ? null : log.errorClass.toLowerCase(),
    },
    make: {
      source: log.source.toLowerCase(),
      source_event_id: log.sourceEventId,
      record_index: log.recordIndex,
      record_count: log.recordCount,
      redactions: log.redactions,
      zone: log.zone,
      team: { id: idText(log.teamId), name: log.teamName },
      scenario: {
        id: idText(log.scenarioId),
        name: log.scenarioName,
        folder_id: idText(log.folderId),
        apps: log.scenarioApps,
      },
      execution: { id: log.executionId, status: lower(log.status) },
      module: { id: idText(log.moduleId), name: log.moduleName, app: log.appName },
      operations: log.operations,
      transfer_bytes: log.transfer,
      centicredits: log.centicredits,
      error: {
        class: log.errorClass.toLowerCase(),
        cause_module: log.error?.causeModuleName ?? null,
        cause_app: log.error?.causeModuleApp ?? null,
      },
    },
  });
}

/** Incident (make.incidents.v1) → ECS state event: one document per transition. */
export function incidentDocument(incident: Incident): SearchDocument {
  return document(incident.updatedAt, {
    '@timestamp': isoTime(incident.updatedAt, 'updatedAt'),
    message: incident.title,
    event: {
      id: incident.eventId,
      dataset: datasets.incident.dataset,
      kind: 'state',
      severity: severityNumber[incident.severity],
      start: isoTime(incident.firstSeen, 'firstSeen'),
      end: isoTime(incident.lastSeen, 'lastSeen'),
    },
    organization: { id: idText(incident.organizationId) },
    error: { type: incident.errorName, message: incident.errorMessage, code: incident.errorClass.toLowerCase() },
    make: {
      zone: incident.zone,
      team: { id: idText(incident.teamId) },
      scenario: { id: String(incident.scenarioId), name: incident.scenarioName },
      error: {
        class: incident.errorClass.toLowerCase(),
        cause_module: incident.causeModuleName,
        cause_app: incident.causeModuleApp,
      },
      incident: {
        fingerprint: incident.fingerprint,
        revision: incident.revision,
        state: incident.state.toLowerCase(),
        severity: incident.severity.toLowerCase(),
        occurrences: incident.occurrences,
        resolved_at: isoOrNull(incident.resolvedAt, 'resolvedAt'),
        root_cause: incident.rootCause,
        sample_execution_ids: incident.sampleExecutionIds,
        affected_scenario_ids: incident.affectedScenarioIds.map(String),
      },
    },
  });
}

/** Anomaly (make.anomalies.v1) → ECS alert. */
export function anomalyDocument(anomaly: Anomaly): SearchDocument {
  return document(anomaly.windowEnd, {
    '@timestamp': isoTime(anomaly.windowEnd, 'windowEnd'),
    message: anomaly.explanation,
    event: {
      id: anomaly.eventId,
      dataset: datasets.anomaly.dataset,
      kind: 'alert',
      severity: severityNumber[anomaly.severity],
      start: isoTime(anomaly.windowStart, 'windowStart'),
      end: isoTime(anomaly.windowEnd, 'windowEnd'),
    },
    organization: { id: idText(anomaly.organizationId) },
    make: {
      zone: anomaly.zone,
      team: { id: idText(anomaly.teamId) },
      scenario: { id: String(anomaly.scenarioId) },
      anomaly: {
        detector: anomaly.detector,
        metric: anomaly.metric,
        window_size_ms: anomaly.windowSizeMs,
        direction: anomaly.direction.toLowerCase(),
        observed: anomaly.observed,
        baseline: anomaly.baseline,
        expected_low: anomaly.expectedLow,
        expected_high: anomaly.expectedHigh,
        score: anomaly.score,
        threshold: anomaly.threshold,
        severity: anomaly.severity.toLowerCase(),
      },
    },
  });
}

/** MetricWindow (make.metrics.v1) → ECS metric document, at the window start. */
export function metricWindowDocument(window: MetricWindow): SearchDocument {
  return document(window.windowStart, {
    '@timestamp': isoTime(window.windowStart, 'windowStart'),
    event: {
      id: window.eventId,
      dataset: datasets['metric-window'].dataset,
      kind: 'metric',
      start: isoTime(window.windowStart, 'windowStart'),
      end: isoTime(window.windowEnd, 'windowEnd'),
    },
    organization: { id: idText(window.organizationId) },
    make: {
      zone: window.zone,
      team: { id: idText(window.teamId) },
      scenario: { id: idText(window.scenarioId) },
      metrics: {
        scope: window.scope.toLowerCase(),
        scope_id: idText(window.scopeId),
        scenario_count: window.scenarioCount,
        window_size_ms: window.windowSizeMs,
        revision: window.revision,
        is_final: window.isFinal,
        executions: window.executions,
        successes: window.successes,
        warnings: window.warnings,
        errors: window.errors,
        others: window.others,
        operations: window.operations,
        transfer_bytes: window.transfer,
        centicredits: window.centicredits,
        error_rate: window.errorRate,
        duration: {
          sum_ms: window.durationSumMs,
          min_ms: window.durationMinMs,
          max_ms: window.durationMaxMs,
          p50_ms: window.durationP50Ms,
          p95_ms: window.durationP95Ms,
          p99_ms: window.durationP99Ms,
        },
        // MetricWindow v1.2: the runs with more than one operation (not polling checks); absent
        // (pruned) when the producer did not fill them (rollups, older aggregates).
        real_runs: {
          count: window.realRuns,
          operations: window.realRunOperations,
          centicredits: window.realRunCenticredits,
          duration_sum_ms: window.realRunDurationSumMs,
        },
      },
    },
  });
}

/** AuditEvent (make.audit.raw.v1) → ECS audit event. */
export function auditEventDocument(audit: AuditEvent): SearchDocument {
  const actor = audit.actor.anonymized ? 'an anonymized user' : (audit.actor.name ?? audit.actor.email ?? 'unknown');
  return document(audit.triggeredAt, {
    '@timestamp': isoTime(audit.triggeredAt, 'triggeredAt'),
    message: `${audit.eventName} by ${actor}`,
    event: {
      id: audit.eventId,
      dataset: datasets['audit-event'].dataset,
      kind: 'event',
      category: ['configuration'],
      action: audit.eventName,
      created: isoTime(audit.createdAt, 'createdAt'),
      ingested: isoTime(audit.ingestedAt, 'ingestedAt'),
    },
    organization: { id: String(audit.organizationId), name: audit.organizationName },
    user: { id: idText(audit.actor.id), name: audit.actor.name, email: audit.actor.email },
    make: {
      source: audit.source.toLowerCase(),
      zone: audit.zone,
      team: { id: idText(audit.teamId), name: audit.teamName },
      audit: {
        uuid: audit.uuid,
        imt_id: audit.imtId,
        target_id: audit.targetId,
        version_from: audit.versionFrom,
        version_to: audit.versionTo,
        actor_anonymized: audit.actor.anonymized,
        detail: audit.detail,
        raw: audit.raw,
      },
    },
  });
}

/** The document builder of each shape; values are the decoded Avro records of that shape. */
export const documentBuilders: Readonly<Record<DocumentShape, (value: never) => SearchDocument>> = {
  'enriched-log': enrichedLogDocument,
  incident: incidentDocument,
  anomaly: anomalyDocument,
  'metric-window': metricWindowDocument,
  'audit-event': auditEventDocument,
};

/** Builds the document of a decoded value of `shape`. Throws (TypeError) on a value it cannot place. */
export function buildDocument(shape: DocumentShape, value: unknown): SearchDocument {
  return (documentBuilders[shape] as (value: unknown) => SearchDocument)(value);
}
