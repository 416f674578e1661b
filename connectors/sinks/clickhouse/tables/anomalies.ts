/** `anomalies`: one row per detected anomaly (`make.anomalies.v1`). */
import type { Anomaly } from '../../../../schemas/generated/types.js';
import { column, float, lowCardinality, makeId, text, time, uuid, type TableSpec } from './spec.js';

const v = 5;

/** The anomalies table. */
export const anomaliesTable: TableSpec<Anomaly> = {
  name: 'anomalies',
  topic: 'make.anomalies.v1',
  schema: 'anomaly',
  description: 'A detected deviation of one metric of one scenario from its learned baseline.',
  createdIn: v,
  orderBy: ['organization_id', 'team_id', 'scenario_id', 'window_end', 'event_id'],
  timeColumn: 'window_end',
  partition: 'month',
  columns: [
    column('event_id', uuid, 'Deterministic event id (zone, scenario, detector, metric, window).', (e) => e.eventId, v),
    column('organization_id', makeId, 'Make organization id; 0 when unknown.', (e) => e.organizationId ?? 0, v),
    column('team_id', makeId, 'Make team id; 0 when unknown.', (e) => e.teamId ?? 0, v),
    column('scenario_id', makeId, 'Make scenario id.', (e) => e.scenarioId, v),
    column('window_end', time(), 'End of the metric window (exclusive, UTC). The event time.', (e) => e.windowEnd, v),
    column('window_start', time(), 'Start of the metric window.', (e) => e.windowStart, v),
    column('window_size_ms', { kind: 'UInt32' }, 'Length of the metric window (ms).', (e) => e.windowSizeMs, v),
    column('detector', lowCardinality(), 'Detector that raised it, e.g. ewma-zscore.', (e) => e.detector, v),
    column('metric', lowCardinality(), 'Metric that deviated, e.g. error_rate, duration_p95_ms.', (e) => e.metric, v),
    column('direction', lowCardinality(), 'ABOVE or BELOW the expected range.', (e) => e.direction, v),
    column('observed', float(), 'Observed value.', (e) => e.observed, v),
    column('baseline', float(), 'Expected value from the baseline.', (e) => e.baseline, v),
    column('expected_low', float(true), 'Lower bound of the expected range.', (e) => e.expectedLow, v),
    column('expected_high', float(true), 'Upper bound of the expected range.', (e) => e.expectedHigh, v),
    column('score', float(), 'Anomaly score (ewma-zscore: standard deviations).', (e) => e.score, v),
    column('threshold', float(), 'Score above which the detector reports.', (e) => e.threshold, v),
    column('severity', lowCardinality(), 'LOW, MEDIUM, HIGH, CRITICAL.', (e) => e.severity, v),
    column('explanation', text(), 'One readable sentence explaining the anomaly.', (e) => e.explanation, v),
    column('zone', lowCardinality(), 'Make zone (API host).', (e) => e.zone, v),
  ],
};
