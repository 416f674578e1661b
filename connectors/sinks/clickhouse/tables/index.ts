/** The warehouse tables, one per sunk topic. */
import type { TableSpec } from './spec.js';
import { executionsTable } from './executions.js';
import { logsTable } from './logs.js';
import { metricsTable } from './metrics.js';
import { incidentsTable } from './incidents.js';
import { anomaliesTable } from './anomalies.js';
import { auditEventsTable } from './audit.js';

export type { ColumnSpec, TableSpec } from './spec.js';

/** A table spec whatever its event type (values are read through `encode.ts`). */
export type AnyTableSpec = TableSpec<never>;

/** Every table, in creation (migration) order. */
export const warehouseTables: readonly AnyTableSpec[] = [
  executionsTable,
  logsTable,
  metricsTable,
  incidentsTable,
  anomaliesTable,
  auditEventsTable,
];

/** The table fed by `topic`, or undefined. */
export function tableForTopic(topic: string): AnyTableSpec | undefined {
  return warehouseTables.find((table) => table.topic === topic);
}

export { executionsTable, logsTable, metricsTable, incidentsTable, anomaliesTable, auditEventsTable };
