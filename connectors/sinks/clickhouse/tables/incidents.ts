/** `incidents`: one row per incident transition (`make.incidents.v1`). */
import type { Incident } from '../../../../schemas/generated/types.js';
import { column, lowCardinality, makeId, text, time, uint64, uuid, type TableSpec } from './spec.js';

const v = 4;

/** The incidents table. */
export const incidentsTable: TableSpec<Incident> = {
  name: 'incidents',
  topic: 'make.incidents.v1',
  schema: 'incident',
  description:
    'One lifecycle transition of a correlated error group; the current state of an incident is its row with the highest revision.',
  createdIn: v,
  orderBy: ['organization_id', 'team_id', 'scenario_id', 'updated_at', 'event_id'],
  timeColumn: 'updated_at',
  partition: 'month',
  columns: [
    column('event_id', uuid, 'Deterministic event id (fingerprint, revision).', (e) => e.eventId, v),
    column('organization_id', makeId, 'Make organization id; 0 when unknown.', (e) => e.organizationId ?? 0, v),
    column('team_id', makeId, 'Make team id; 0 when unknown.', (e) => e.teamId ?? 0, v),
    column('scenario_id', makeId, 'Make scenario id.', (e) => e.scenarioId, v),
    column('updated_at', time(), 'Event time of this transition (UTC).', (e) => e.updatedAt, v),
    column('fingerprint', text(), 'Stable identity of the error group.', (e) => e.fingerprint, v),
    column('revision', { kind: 'UInt32' }, 'Transition number, from 1 (opened).', (e) => e.revision, v),
    column('state', lowCardinality(), 'OPEN, ONGOING, RESOLVED, REOPENED.', (e) => e.state, v),
    column('severity', lowCardinality(), 'LOW, MEDIUM, HIGH, CRITICAL.', (e) => e.severity, v),
    column('title', text(), 'One readable line that names the incident.', (e) => e.title, v),
    column('scenario_name', text(true), 'Scenario name from the catalog.', (e) => e.scenarioName, v),
    column('error_name', lowCardinality(true), 'Error name shared by the group.', (e) => e.errorName, v),
    column('error_message', text(true), 'A representative (the latest) error message.', (e) => e.errorMessage, v),
    column('cause_module_name', text(true), 'Module that caused the errors.', (e) => e.causeModuleName, v),
    column(
      'cause_module_app',
      lowCardinality(true),
      'App of the module that caused the errors.',
      (e) => e.causeModuleApp,
      v,
    ),
    column(
      'error_class',
      lowCardinality(),
      'makestream error class, e.g. CONNECTION, RATE_LIMIT, DATA_VALIDATION.',
      (e) => e.errorClass,
      v,
    ),
    column(
      'root_cause',
      text(true),
      'The likely root cause in one sentence, when something points to one.',
      (e) => e.rootCause,
      v,
    ),
    column(
      'affected_scenario_ids',
      { kind: 'ArrayUInt64' },
      'Scenarios with errors in the incident, ascending (bounded).',
      (e) => e.affectedScenarioIds,
      v,
    ),
    column('first_seen', time(), 'Event time of the first error.', (e) => e.firstSeen, v),
    column('last_seen', time(), 'Event time of the latest error.', (e) => e.lastSeen, v),
    column('resolved_at', time(true), 'When it was resolved; NULL unless RESOLVED.', (e) => e.resolvedAt, v),
    column('occurrences', uint64, 'Errors counted so far.', (e) => e.occurrences, v),
    column(
      'sample_execution_ids',
      { kind: 'ArrayString' },
      'Some affected execution ids (the latest).',
      (e) => e.sampleExecutionIds,
      v,
    ),
    column('zone', lowCardinality(), 'Make zone (API host).', (e) => e.zone, v),
  ],
};
