/** `audit_events`: one row per Make audit log entry (`make.audit.raw.v1`). */
import type { AuditEvent } from '../../../../schemas/generated/types.js';
import { bool, column, lowCardinality, makeId, optionalUInt64, text, time, uuid, type TableSpec } from './spec.js';

const v = 6;

/** The audit events table. */
export const auditEventsTable: TableSpec<AuditEvent> = {
  name: 'audit_events',
  topic: 'make.audit.raw.v1',
  schema: 'audit-event',
  description: 'One Make audit log entry: who did what to which object, when.',
  createdIn: v,
  orderBy: ['organization_id', 'team_id', 'triggered_at', 'event_id'],
  timeColumn: 'triggered_at',
  partition: 'month',
  columns: [
    column('event_id', uuid, 'Deterministic event id (zone, organization, audit uuid).', (e) => e.eventId, v),
    column('organization_id', makeId, 'Make organization id.', (e) => e.organizationId, v),
    column('team_id', makeId, 'Team the action concerns; 0 when none.', (e) => e.teamId ?? 0, v),
    column(
      'triggered_at',
      time(),
      'When the audited action happened (UTC, ms). The event time.',
      (e) => e.triggeredAt,
      v,
    ),
    column('created_at', time(), 'When Make recorded the entry.', (e) => e.createdAt, v),
    column(
      'event_name',
      lowCardinality(),
      'Audited action, e.g. connection_created, scenario_updated.',
      (e) => e.eventName,
      v,
    ),
    column(
      'target_id',
      text(true),
      'Id of the object the action concerns (connection, scenario, webhook…).',
      (e) => e.targetId,
      v,
    ),
    column('actor_id', optionalUInt64, 'User id of the actor.', (e) => e.actor.id, v),
    column('actor_name', text(true), 'Name of the actor; NULL when anonymized.', (e) => e.actor.name, v),
    column('actor_email', text(true), 'E-mail address of the actor; NULL when anonymized.', (e) => e.actor.email, v),
    column('actor_anonymized', bool(), 'True when Make anonymized the actor.', (e) => e.actor.anonymized, v),
    column('organization_name', text(true), 'Organization name, when reported.', (e) => e.organizationName, v),
    column('team_name', text(true), 'Team name, when any.', (e) => e.teamName, v),
    column('version_from', text(true), 'Version before the change, when reported.', (e) => e.versionFrom, v),
    column('version_to', text(true), 'Version after the change, when reported.', (e) => e.versionTo, v),
    column('detail', text(true), 'Event-specific detail (JSON), when fetched.', (e) => e.detail, v),
    column('zone', lowCardinality(), 'Make zone (API host).', (e) => e.zone, v),
    column('source', lowCardinality(), 'makestream source: POLLER, WEBHOOK, SIMULATOR.', (e) => e.source, v),
    column('uuid', text(), "Make's id of the audit entry.", (e) => e.uuid, v),
    column(
      'imt_id',
      text(true),
      "Make's cursor key of the entry, when read from the list endpoint.",
      (e) => e.imtId,
      v,
    ),
    column('ingested_at', time(), 'When makestream received the data.', (e) => e.ingestedAt, v),
    column('raw', text(true), 'The item as received (JSON), when kept.', (e) => e.raw, v),
  ],
};
