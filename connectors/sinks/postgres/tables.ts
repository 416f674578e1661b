/**
 * The six warehouse tables of the PostgreSQL sink, one per topic, with the same sources as the
 * ClickHouse sink. Column names are snake_case of the Avro fields; nested records are flattened
 * where analysts filter on them (errors, actors) and kept as jsonb where they are lists or maps.
 * Every table's key is `(time, event_id)`: `time` is the event's own time (never wall clock), so a
 * re-sent event hits the same key and `ON CONFLICT DO NOTHING` keeps one copy.
 */
import {
  column,
  derived,
  errorColumns,
  keyColumns,
  nested,
  optional,
  type ColumnSpec,
  type EventValue,
  type TableSpec,
} from './table-spec.js';

const zone = column('zone', 'text', 'zone', 'Make zone (API host), e.g. eu1.make.com.');
const source = column('source', 'text', 'source', 'makestream source: POLLER, WEBHOOK, SIMULATOR or UNKNOWN.');
const ingestedAt = column(
  'ingested_at',
  'timestamptz',
  'ingestedAt',
  'When makestream received the data (source wall clock).',
);

/**
 * Columns added by migration 3 (fields the enrich and correlate processors added). Nullable, so
 * that tables made before them and tables made after have the same shape.
 */
export const logsV3Columns: readonly ColumnSpec[] = [
  optional(
    'error_class',
    'text',
    'errorClass',
    'makestream error class: CONNECTION, AUTHENTICATION, RATE_LIMIT, DATA_VALIDATION, TIMEOUT, QUOTA, NONE, UNKNOWN.',
  ),
  optional('folder_id', 'bigint', 'folderId', 'Folder of the scenario, when in one.'),
  optional('scenario_apps', 'jsonb', 'scenarioApps', 'Apps the scenario uses, from the catalog (JSON array).'),
  optional(
    'redactions',
    'integer',
    'redactions',
    'Secrets or personal data values makestream replaced in this record.',
  ),
  optional('record_count', 'integer', 'recordCount', 'Records of the raw event (1 + module entries); 0 when unknown.'),
];

/** Columns of `incidents` added by migration 3. */
export const incidentsV3Columns: readonly ColumnSpec[] = [
  optional('cause_module_app', 'text', 'causeModuleApp', 'App of the module that caused the errors.'),
  optional(
    'error_class',
    'text',
    'errorClass',
    'makestream error class of the grouped errors, e.g. CONNECTION, RATE_LIMIT.',
  ),
  optional('root_cause', 'text', 'rootCause', 'The likely root cause in one sentence, when something points to one.'),
  optional(
    'affected_scenario_ids',
    'jsonb',
    'affectedScenarioIds',
    'Scenarios with errors in the incident, ascending (JSON array, bounded).',
  ),
];

const executions: TableSpec = {
  name: 'executions',
  topic: 'make.executions.raw.v1',
  valueSchema: 'scenario-execution',
  description: 'One row per Make scenario execution (ScenarioExecution).',
  timeDoc: 'Start of the execution (event time).',
  columns: [
    ...keyColumns('timestamp', 'Start of the execution (event time).'),
    source,
    zone,
    column('organization_id', 'bigint', 'organizationId', 'Make organization id.'),
    column('team_id', 'bigint', 'teamId', 'Make team id.'),
    column('scenario_id', 'bigint', 'scenarioId', 'Make scenario id.'),
    column('execution_id', 'text', 'executionId', 'Make execution id (32 hex characters).'),
    optional('imt_id', 'text', 'imtId', "Make's sort key of the log row."),
    optional('run_type', 'text', 'type', 'auto (scheduled or triggered) or manual.'),
    column('status', 'text', 'status', 'RUNNING, SUCCESS, WARNING, ERROR or UNKNOWN.'),
    optional(
      'status_code',
      'integer',
      'statusCode',
      "Make's numeric status as sent (0 running, 1 success, 2 warning, 3 error).",
    ),
    optional('ended_at', 'timestamptz', 'endedAt', 'End of the execution, when reported.'),
    column('duration_ms', 'bigint', 'duration', 'Duration in milliseconds.'),
    column('operations', 'bigint', 'operations', 'Operations consumed.'),
    column('transfer_bytes', 'bigint', 'transfer', 'Bytes transferred.'),
    optional('centicredits', 'bigint', 'centicredits', 'Credits consumed × 100; null when Make did not report it.'),
    optional('author_id', 'bigint', 'authorId', 'User who started a manual run.'),
    optional('author_name', 'text', 'authorName', 'Name of that user.'),
    optional('instant', 'boolean', 'instant', 'True when an instant trigger (webhook) started the run.'),
    optional('event_type', 'text', 'eventType', "Make's row kind, e.g. EXECUTION_END."),
    ingestedAt,
    ...errorColumns(),
    optional(
      'modules',
      'jsonb',
      'modules',
      'Module-level entries (array of ModuleLogEntry objects, Avro field names).',
    ),
    optional('raw', 'text', 'raw', 'The item exactly as received (JSON text), when kept.'),
  ],
  indexes: [
    { suffix: 'scenario_time', columns: 'scenario_id, time DESC' },
    { suffix: 'team_time', columns: 'team_id, time DESC' },
    { suffix: 'organization_time', columns: 'organization_id, time DESC' },
    { suffix: 'execution', columns: 'execution_id' },
    { suffix: 'errors', columns: 'scenario_id, time DESC', where: "status = 'ERROR'" },
  ],
  segmentBy: 'scenario_id',
};

const logs: TableSpec = {
  name: 'logs',
  topic: 'make.logs.enriched.v1',
  valueSchema: 'enriched-log',
  description: 'One row per log record (execution, module, audit or webhook level) with its context (EnrichedLog).',
  timeDoc: 'Event time of the record.',
  columns: [
    ...keyColumns('timestamp', 'Event time of the record.'),
    column('source_event_id', 'uuid', 'sourceEventId', 'event_id of the raw event it was derived from.'),
    column('record_index', 'integer', 'recordIndex', '0 for the event itself, 1…n for its module entries.'),
    column('kind', 'text', 'kind', 'EXECUTION, MODULE, AUDIT, WEBHOOK or UNKNOWN.'),
    ingestedAt,
    column('level', 'text', 'level', 'DEBUG, INFO, WARN, ERROR or UNKNOWN.'),
    column('outcome', 'text', 'outcome', 'SUCCESS, FAILURE or UNKNOWN.'),
    optional('action', 'text', 'action', 'scenario.execution, module.operation, the audit event name or webhook type.'),
    column('message', 'text', 'message', 'One readable line.'),
    optional('duration_ms', 'bigint', 'durationMs', 'Duration in milliseconds, when known.'),
    source,
    zone,
    optional('organization_id', 'bigint', 'organizationId', 'Make organization id.'),
    optional('organization_name', 'text', 'organizationName', 'Organization name.'),
    optional('team_id', 'bigint', 'teamId', 'Make team id.'),
    optional('team_name', 'text', 'teamName', 'Team name.'),
    optional('scenario_id', 'bigint', 'scenarioId', 'Make scenario id; null when the record concerns none.'),
    optional('scenario_name', 'text', 'scenarioName', 'Scenario name from the catalog.'),
    optional('execution_id', 'text', 'executionId', 'Make execution id.'),
    optional('status', 'text', 'status', 'Execution or operation status (execution and module records).'),
    optional('module_id', 'bigint', 'moduleId', 'Module id in the blueprint (module records).'),
    optional('module_name', 'text', 'moduleName', 'Module name (module records).'),
    optional('app_name', 'text', 'appName', 'App of the module (module records).'),
    optional('user_id', 'text', 'userId', 'User who acted (audit actor, author of a manual run).'),
    optional('user_name', 'text', 'userName', 'Name of that user.'),
    optional('user_email', 'text', 'userEmail', 'E-mail address of that user.'),
    optional('operations', 'bigint', 'operations', 'Operations consumed.'),
    optional('transfer_bytes', 'bigint', 'transfer', 'Bytes transferred.'),
    optional('centicredits', 'bigint', 'centicredits', 'Credits consumed × 100.'),
    ...errorColumns(),
    derived('tags', 'jsonb', false, 'Free-form tags (JSON array of strings).', (value) => value.tags ?? []),
    derived('labels', 'jsonb', false, 'Extra key/value context (JSON object).', (value) => value.labels ?? {}),
    ...logsV3Columns,
  ],
  indexes: [
    { suffix: 'scenario_time', columns: 'scenario_id, time DESC' },
    { suffix: 'execution', columns: 'execution_id' },
    { suffix: 'errors', columns: 'scenario_id, time DESC', where: "level = 'ERROR'" },
    { suffix: 'tags', columns: 'tags', using: 'gin' },
  ],
  segmentBy: 'scenario_id',
};

/** Before scopes existed, every window was a scenario window (see schemas/metric-window.avsc). */
const metricScope = (value: EventValue): unknown => value.scope ?? 'SCENARIO';

/** Columns added to `metrics` in migration 4 (MetricWindow v1.2: a polling scenario's real runs apart). */
export const metricsV4Columns: readonly ColumnSpec[] = [
  optional(
    'real_runs',
    'bigint',
    'realRuns',
    "Of the executions, the real runs (more than one operation, not a polling scenario's empty check); null on rollups.",
  ),
  optional('real_run_operations', 'bigint', 'realRunOperations', 'Operations consumed by the real runs.'),
  optional('real_run_centicredits', 'bigint', 'realRunCenticredits', 'Credits consumed by the real runs × 100.'),
  optional('real_run_duration_sum_ms', 'bigint', 'realRunDurationSumMs', "Sum of the real runs' durations (ms)."),
  optional(
    'real_run_duration_sketch',
    'bytea',
    'realRunDurationSketch',
    "DDSketch of the real runs' durations, encoded as duration_sketch.",
  ),
];

const metrics: TableSpec = {
  name: 'metrics',
  topic: 'make.metrics.v1',
  valueSchema: 'metric-window',
  description:
    'One row per emission (revision) of a metric window (MetricWindow). A window may be emitted several times; the view `metrics_latest` keeps its highest revision.',
  timeDoc: 'Start of the window (inclusive).',
  columns: [
    ...keyColumns('windowStart', 'Start of the window (inclusive).'),
    column('window_end', 'timestamptz', 'windowEnd', 'End of the window (exclusive).'),
    column('window_size_ms', 'bigint', 'windowSizeMs', 'Window length: 60000, 300000 or 3600000.'),
    column('revision', 'bigint', 'revision', 'Emission number of the window, from 0.'),
    column('is_final', 'boolean', 'isFinal', 'True once the window closed.'),
    derived('scope', 'text', false, 'SCENARIO, TEAM or ORGANIZATION: what the window aggregates.', metricScope),
    derived(
      'scope_id',
      'bigint',
      true,
      'Scenario, team or organization id (by scope).',
      (value) => value.scopeId ?? (metricScope(value) === 'SCENARIO' ? value.scenarioId : null),
    ),
    zone,
    optional('organization_id', 'bigint', 'organizationId', 'Make organization id, when known.'),
    optional('team_id', 'bigint', 'teamId', 'Make team id, when known.'),
    optional('scenario_id', 'bigint', 'scenarioId', 'Make scenario id; null for team and organization rollups.'),
    optional('scenario_count', 'bigint', 'scenarioCount', 'Scenarios merged into the window (1 for scenario windows).'),
    column('executions', 'bigint', 'executions', 'Executions that started in the window.'),
    column('successes', 'bigint', 'successes', 'Of those, SUCCESS.'),
    column('warnings', 'bigint', 'warnings', 'Of those, WARNING.'),
    column('errors', 'bigint', 'errors', 'Of those, ERROR.'),
    column('others', 'bigint', 'others', 'Of those, another status.'),
    column('operations', 'bigint', 'operations', 'Operations consumed.'),
    column('transfer_bytes', 'bigint', 'transfer', 'Bytes transferred.'),
    column('centicredits', 'bigint', 'centicredits', 'Credits consumed × 100.'),
    column('duration_sum_ms', 'bigint', 'durationSumMs', 'Sum of execution durations (ms).'),
    optional('duration_min_ms', 'bigint', 'durationMinMs', 'Shortest duration (ms).'),
    optional('duration_max_ms', 'bigint', 'durationMaxMs', 'Longest duration (ms).'),
    optional('duration_p50_ms', 'double precision', 'durationP50Ms', 'Median duration (ms, sketch estimate).'),
    optional('duration_p95_ms', 'double precision', 'durationP95Ms', '95th percentile duration (ms, sketch estimate).'),
    optional('duration_p99_ms', 'double precision', 'durationP99Ms', '99th percentile duration (ms, sketch estimate).'),
    column('error_rate', 'double precision', 'errorRate', 'errors / executions (0 when empty).'),
    optional(
      'duration_sketch',
      'bytea',
      'durationSketch',
      'DDSketch of the durations (processors/aggregate/README.md).',
    ),
    ...metricsV4Columns,
  ],
  indexes: [
    { suffix: 'scenario_window', columns: 'scenario_id, window_size_ms, time DESC' },
    { suffix: 'team_window', columns: 'team_id, window_size_ms, time DESC' },
    { suffix: 'scope_window', columns: 'scope, scope_id, window_size_ms, time DESC, revision DESC' },
  ],
  segmentBy: 'scope_id',
};

const incidents: TableSpec = {
  name: 'incidents',
  topic: 'make.incidents.v1',
  valueSchema: 'incident',
  description:
    'One row per transition (revision) of an incident (Incident); the view `incidents_latest` keeps the latest state per fingerprint.',
  timeDoc: 'Event time of this transition (updatedAt).',
  columns: [
    ...keyColumns('updatedAt', 'Event time of this transition (updatedAt).'),
    column('fingerprint', 'text', 'fingerprint', 'Stable identity of the error group.'),
    column('revision', 'bigint', 'revision', 'Transition number, from 1 (opened).'),
    column('state', 'text', 'state', 'OPEN, ONGOING, RESOLVED, REOPENED or UNKNOWN.'),
    column('severity', 'text', 'severity', 'LOW, MEDIUM, HIGH, CRITICAL or UNKNOWN.'),
    column('title', 'text', 'title', 'One readable line naming the incident.'),
    zone,
    column('scenario_id', 'bigint', 'scenarioId', 'Make scenario id.'),
    optional('scenario_name', 'text', 'scenarioName', 'Scenario name from the catalog.'),
    optional('organization_id', 'bigint', 'organizationId', 'Make organization id, when known.'),
    optional('team_id', 'bigint', 'teamId', 'Make team id, when known.'),
    optional('error_name', 'text', 'errorName', 'Error name shared by the group.'),
    optional('error_message', 'text', 'errorMessage', 'Latest error message.'),
    optional('cause_module_name', 'text', 'causeModuleName', 'Module that caused the errors.'),
    column('first_seen', 'timestamptz', 'firstSeen', 'Event time of the first error.'),
    column('last_seen', 'timestamptz', 'lastSeen', 'Event time of the latest error.'),
    optional('resolved_at', 'timestamptz', 'resolvedAt', 'When it was resolved (state RESOLVED).'),
    column('occurrences', 'bigint', 'occurrences', 'Errors counted so far.'),
    derived(
      'sample_execution_ids',
      'jsonb',
      false,
      'Some affected execution ids (JSON array).',
      (value) => value.sampleExecutionIds ?? [],
    ),
    ...incidentsV3Columns,
  ],
  indexes: [
    { suffix: 'fingerprint', columns: 'fingerprint, revision DESC' },
    { suffix: 'scenario_time', columns: 'scenario_id, time DESC' },
  ],
  segmentBy: 'fingerprint',
};

const anomalies: TableSpec = {
  name: 'anomalies',
  topic: 'make.anomalies.v1',
  valueSchema: 'anomaly',
  description: 'One row per detected anomaly of one metric of one scenario in one window (Anomaly).',
  timeDoc: 'End of the metric window (exclusive; the event time).',
  columns: [
    ...keyColumns('windowEnd', 'End of the metric window (exclusive; the event time).'),
    column('window_start', 'timestamptz', 'windowStart', 'Start of the metric window.'),
    column('window_size_ms', 'bigint', 'windowSizeMs', 'Window length in milliseconds.'),
    zone,
    column('scenario_id', 'bigint', 'scenarioId', 'Make scenario id.'),
    optional('organization_id', 'bigint', 'organizationId', 'Make organization id, when known.'),
    optional('team_id', 'bigint', 'teamId', 'Make team id, when known.'),
    column('detector', 'text', 'detector', 'Detector, e.g. ewma-zscore.'),
    column('metric', 'text', 'metric', 'Metric that deviated, e.g. error_rate, duration_p95_ms.'),
    column('direction', 'text', 'direction', 'ABOVE, BELOW or UNKNOWN.'),
    column('observed', 'double precision', 'observed', 'Observed value.'),
    column('baseline', 'double precision', 'baseline', 'Expected value.'),
    optional('expected_low', 'double precision', 'expectedLow', 'Lower bound of the expected range.'),
    optional('expected_high', 'double precision', 'expectedHigh', 'Upper bound of the expected range.'),
    column('score', 'double precision', 'score', "Detector's score (ewma-zscore: standard deviations)."),
    column('threshold', 'double precision', 'threshold', 'Score above which an anomaly is reported.'),
    column('severity', 'text', 'severity', 'LOW, MEDIUM, HIGH, CRITICAL or UNKNOWN.'),
    column('explanation', 'text', 'explanation', 'One readable sentence.'),
  ],
  indexes: [
    { suffix: 'scenario_time', columns: 'scenario_id, time DESC' },
    { suffix: 'metric_time', columns: 'metric, time DESC' },
  ],
  segmentBy: 'scenario_id',
};

const auditEvents: TableSpec = {
  name: 'audit_events',
  topic: 'make.audit.raw.v1',
  valueSchema: 'audit-event',
  description: 'One row per Make audit log entry (AuditEvent).',
  timeDoc: 'When the audited action happened (triggeredAt).',
  columns: [
    ...keyColumns('triggeredAt', 'When the audited action happened (triggeredAt).'),
    source,
    zone,
    column('audit_uuid', 'text', 'uuid', "Make's id of the entry, as sent."),
    optional('imt_id', 'text', 'imtId', "Make's cursor key of the entry."),
    column('created_at', 'timestamptz', 'createdAt', 'When Make recorded the entry.'),
    column('organization_id', 'bigint', 'organizationId', 'Make organization id.'),
    optional('organization_name', 'text', 'organizationName', 'Organization name.'),
    column('event_name', 'text', 'eventName', 'Audited action, e.g. connection_created, webhook_updated.'),
    optional('team_id', 'bigint', 'teamId', 'Team the action concerns.'),
    optional('team_name', 'text', 'teamName', 'Name of that team.'),
    nested('actor_id', 'bigint', 'actor', 'id', 'User id of the actor.'),
    nested('actor_name', 'text', 'actor', 'name', 'Name of the actor; null when anonymized.'),
    nested('actor_email', 'text', 'actor', 'email', 'E-mail of the actor; null when anonymized.'),
    derived('actor_anonymized', 'boolean', false, 'True when Make anonymized the actor.', (value) => {
      const actor = value.actor as EventValue | null | undefined;
      return actor?.anonymized ?? false;
    }),
    optional('target_id', 'text', 'targetId', 'Id of the object the action concerns (connection, webhook, scenario…).'),
    optional('version_from', 'text', 'versionFrom', 'Version before the change.'),
    optional('version_to', 'text', 'versionTo', 'Version after the change.'),
    optional('detail', 'jsonb', 'detail', 'Event-specific detail (JSON), when fetched.'),
    ingestedAt,
    optional('raw', 'text', 'raw', 'The item exactly as received (JSON text), when kept.'),
  ],
  indexes: [
    { suffix: 'organization_time', columns: 'organization_id, time DESC' },
    { suffix: 'target_time', columns: 'target_id, time DESC' },
    { suffix: 'event_time', columns: 'event_name, time DESC' },
    { suffix: 'actor_time', columns: 'actor_id, time DESC' },
  ],
  segmentBy: 'organization_id',
};

/** Every table of the sink, in creation order. */
export const warehouseTables: readonly TableSpec[] = [executions, logs, metrics, incidents, anomalies, auditEvents];

/** The table fed by `topic`, or undefined. */
export function tableForTopic(topic: string): TableSpec | undefined {
  return warehouseTables.find((table) => table.topic === topic);
}
