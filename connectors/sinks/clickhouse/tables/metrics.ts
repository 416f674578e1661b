/** `metrics`: one row per emitted metric window of a scenario (`make.metrics.v1`). */
import type { MetricWindow } from '../../../../schemas/generated/types.js';
import { bool, column, float, lowCardinality, makeId, time, uint64, uuid, type TableSpec } from './spec.js';

const v = 3;

/** The metric windows table. */
export const metricsTable: TableSpec<MetricWindow> = {
  name: 'metrics',
  topic: 'make.metrics.v1',
  schema: 'metric-window',
  description:
    'Aggregates of one scenario over one tumbling window (1 min, 5 min, 1 h). Early results have lower revisions; use is_final = true (or the highest revision) per window.',
  createdIn: v,
  orderBy: ['organization_id', 'team_id', 'scenario_id', 'window_size_ms', 'window_start', 'event_id'],
  timeColumn: 'window_start',
  partition: 'month',
  columns: [
    column('event_id', uuid, 'Deterministic event id (zone, scenario, window, revision).', (e) => e.eventId, v),
    column('organization_id', makeId, 'Make organization id; 0 when unknown.', (e) => e.organizationId ?? 0, v),
    column('team_id', makeId, 'Make team id; 0 when unknown.', (e) => e.teamId ?? 0, v),
    column('scenario_id', makeId, 'Make scenario id.', (e) => e.scenarioId, v),
    column('window_size_ms', { kind: 'UInt32' }, 'Window length: 60000, 300000 or 3600000.', (e) => e.windowSizeMs, v),
    column('window_start', time(), 'Start of the window, inclusive (UTC).', (e) => e.windowStart, v),
    column('window_end', time(), 'End of the window, exclusive (UTC).', (e) => e.windowEnd, v),
    column('revision', { kind: 'UInt32' }, 'Emission number for this window, from 0.', (e) => e.revision, v),
    column('is_final', bool(), 'True once the window has closed.', (e) => e.isFinal, v),
    column('executions', uint64, 'Executions that started in the window.', (e) => e.executions, v),
    column('successes', uint64, 'Of those, SUCCESS.', (e) => e.successes, v),
    column('warnings', uint64, 'Of those, WARNING.', (e) => e.warnings, v),
    column('errors', uint64, 'Of those, ERROR.', (e) => e.errors, v),
    column('others', uint64, 'Of those, another status.', (e) => e.others, v),
    column('error_rate', float(), 'errors / executions (0 for an empty window).', (e) => e.errorRate, v),
    column('operations', uint64, 'Operations consumed.', (e) => e.operations, v),
    column('transfer_bytes', uint64, 'Bytes transferred.', (e) => e.transfer, v),
    column('centicredits', uint64, 'Credits consumed times 100.', (e) => e.centicredits, v),
    column('duration_sum_ms', float(), 'Sum of execution durations (ms).', (e) => e.durationSumMs, v),
    column(
      'duration_min_ms',
      float(true),
      'Shortest duration (ms); NULL for an empty window.',
      (e) => e.durationMinMs,
      v,
    ),
    column('duration_max_ms', float(true), 'Longest duration (ms).', (e) => e.durationMaxMs, v),
    column('duration_p50_ms', float(true), 'Median duration (ms, sketch estimate).', (e) => e.durationP50Ms, v),
    column(
      'duration_p95_ms',
      float(true),
      '95th percentile duration (ms, sketch estimate).',
      (e) => e.durationP95Ms,
      v,
    ),
    column(
      'duration_p99_ms',
      float(true),
      '99th percentile duration (ms, sketch estimate).',
      (e) => e.durationP99Ms,
      v,
    ),
    column('zone', lowCardinality(), 'Make zone (API host).', (e) => e.zone, v),
  ],
};
