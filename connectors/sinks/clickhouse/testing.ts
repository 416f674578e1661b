/**
 * Test and benchmark helpers: deterministic events for every warehouse table (built from
 * `schemas/examples.ts` with varied ids, scenarios, teams, statuses and times) and sink batches
 * around them.
 */
import {
  anomalyEventId,
  auditEventId,
  enrichedLogEventId,
  executionEventId,
  incidentEventId,
  metricWindowEventId,
} from '../../../pipeline/ids.js';
import type { LogRecord } from '../../../pipeline/log/contract.js';
import type { SinkBatch } from '../../../pipeline/sink/api.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type {
  Anomaly,
  AuditEvent,
  EnrichedLog,
  ExecutionStatus,
  Incident,
  MetricWindow,
  ScenarioExecution,
} from '../../../schemas/generated/types.js';

const zone = 'eu1.make.com';
const organizationId = 4711;
const statuses: readonly ExecutionStatus[] = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'WARNING', 'ERROR'];

/** Shape of the generated data. */
export interface SampleOptions {
  /** Time of the first event (epoch ms); events follow one second apart. */
  readonly baseTime: number;
  /** Distinct scenarios (default 7). */
  readonly scenarios?: number;
  /** Distinct teams (default 3). */
  readonly teams?: number;
}

const hex32 = (n: number): string => n.toString(16).padStart(32, '0');
const scenarioOf = (i: number, o: SampleOptions): number => 90_000 + (i % (o.scenarios ?? 7));
const teamOf = (scenarioId: number, o: SampleOptions): number => 9_000 + (scenarioId % (o.teams ?? 3));

/** `count` scenario executions; every fifth fails with a DataError. */
export function sampleExecutions(count: number, options: SampleOptions): ScenarioExecution[] {
  const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
  return Array.from({ length: count }, (_, i) => {
    const scenarioId = scenarioOf(i, options);
    const executionId = hex32(i + 1);
    const status = statuses[i % statuses.length]!;
    const timestamp = options.baseTime + i * 1000;
    const duration = 300 + ((i * 7919) % 4000);
    return {
      ...base,
      eventId: executionEventId({ zone, scenarioId, executionId }),
      scenarioId,
      executionId,
      imtId: `${timestamp}_scenario.${scenarioId}.auto.${executionId}`,
      status,
      statusCode: statuses.indexOf(status) + 1,
      timestamp,
      endedAt: timestamp + duration,
      duration,
      operations: 1 + (i % 9),
      centicredits: (1 + (i % 9)) * 100,
      organizationId,
      teamId: teamOf(scenarioId, options),
      ingestedAt: timestamp + 30_000,
      error: status === 'ERROR' ? base.error : null,
      modules: status === 'ERROR' ? base.modules : [],
    };
  });
}

/** One enriched log (execution level) per execution. */
export function sampleLogs(executions: readonly ScenarioExecution[]): EnrichedLog[] {
  const base = exampleEvents['com.makestream.v1.EnrichedLog'];
  return executions.map((execution) => ({
    ...base,
    eventId: enrichedLogEventId({ sourceEventId: execution.eventId, recordIndex: 0 }),
    sourceEventId: execution.eventId,
    timestamp: execution.timestamp,
    ingestedAt: execution.ingestedAt,
    level: execution.status === 'ERROR' ? 'ERROR' : execution.status === 'WARNING' ? 'WARN' : 'INFO',
    outcome: execution.status === 'ERROR' ? 'FAILURE' : 'SUCCESS',
    message: `Scenario ${execution.scenarioId} ran: ${execution.status}.`,
    durationMs: execution.duration,
    organizationId: execution.organizationId,
    teamId: execution.teamId,
    scenarioId: execution.scenarioId,
    scenarioName: `Scenario ${execution.scenarioId}`,
    executionId: execution.executionId,
    status: execution.status,
    operations: execution.operations,
    centicredits: execution.centicredits,
    error: execution.error,
  }));
}

/** One final one-minute window per (scenario, minute) of the executions. */
export function sampleMetrics(executions: readonly ScenarioExecution[]): MetricWindow[] {
  const base = exampleEvents['com.makestream.v1.MetricWindow'];
  const windows = new Map<string, ScenarioExecution[]>();
  for (const execution of executions) {
    const key = `${execution.scenarioId}/${Math.floor(execution.timestamp / 60_000)}`;
    windows.set(key, [...(windows.get(key) ?? []), execution]);
  }
  return [...windows.values()].map((group) => {
    const first = group[0]!;
    const windowStart = Math.floor(first.timestamp / 60_000) * 60_000;
    const durations = group.map((execution) => execution.duration).sort((a, b) => a - b);
    const errors = group.filter((execution) => execution.status === 'ERROR').length;
    const quantile = (q: number): number =>
      durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]!;
    return {
      ...base,
      eventId: metricWindowEventId({
        zone,
        scenarioId: first.scenarioId,
        windowSizeMs: 60_000,
        windowStart,
        revision: 0,
      }),
      scenarioId: first.scenarioId,
      organizationId: first.organizationId,
      teamId: first.teamId,
      windowSizeMs: 60_000,
      windowStart,
      windowEnd: windowStart + 60_000,
      revision: 0,
      isFinal: true,
      executions: group.length,
      successes: group.filter((execution) => execution.status === 'SUCCESS').length,
      warnings: group.filter((execution) => execution.status === 'WARNING').length,
      errors,
      others: 0,
      operations: group.reduce((sum, execution) => sum + execution.operations, 0),
      transfer: group.reduce((sum, execution) => sum + execution.transfer, 0),
      centicredits: group.reduce((sum, execution) => sum + (execution.centicredits ?? 0), 0),
      durationSumMs: durations.reduce((sum, duration) => sum + duration, 0),
      durationMinMs: durations[0]!,
      durationMaxMs: durations[durations.length - 1]!,
      durationP50Ms: quantile(0.5),
      durationP95Ms: quantile(0.95),
      durationP99Ms: quantile(0.99),
      errorRate: errors / group.length,
    };
  });
}

/** Incidents: for each scenario with errors, an OPEN transition and (for every other one) a RESOLVED one. */
export function sampleIncidents(executions: readonly ScenarioExecution[]): Incident[] {
  const base = exampleEvents['com.makestream.v1.Incident'];
  const failed = executions.filter((execution) => execution.status === 'ERROR');
  const byScenario = new Map<number, ScenarioExecution[]>();
  for (const execution of failed)
    byScenario.set(execution.scenarioId, [...(byScenario.get(execution.scenarioId) ?? []), execution]);
  return [...byScenario.entries()].flatMap(([scenarioId, group], n) => {
    const fingerprint = `fp-${scenarioId}`;
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const opened: Incident = {
      ...base,
      eventId: incidentEventId({ fingerprint, revision: 1 }),
      fingerprint,
      revision: 1,
      state: 'OPEN',
      scenarioId,
      scenarioName: `Scenario ${scenarioId}`,
      organizationId: first.organizationId,
      teamId: first.teamId,
      firstSeen: first.timestamp,
      lastSeen: first.timestamp,
      occurrences: 1,
      sampleExecutionIds: [first.executionId],
      updatedAt: first.timestamp,
    };
    if (n % 2 === 1) return [opened];
    const resolved: Incident = {
      ...opened,
      eventId: incidentEventId({ fingerprint, revision: 2 }),
      revision: 2,
      state: 'RESOLVED',
      lastSeen: last.timestamp,
      resolvedAt: last.timestamp + 60_000,
      occurrences: group.length,
      sampleExecutionIds: group.slice(-5).map((execution) => execution.executionId),
      updatedAt: last.timestamp + 60_000,
    };
    return [opened, resolved];
  });
}

/** One error-rate anomaly per metric window with errors. */
export function sampleAnomalies(metrics: readonly MetricWindow[]): Anomaly[] {
  const base = exampleEvents['com.makestream.v1.Anomaly'];
  return metrics
    .filter((window) => window.errors > 0)
    .map((window) => ({
      ...base,
      eventId: anomalyEventId({
        zone,
        scenarioId: window.scenarioId ?? 0,
        detector: base.detector,
        metric: 'error_rate',
        windowSizeMs: window.windowSizeMs,
        windowStart: window.windowStart,
      }),
      scenarioId: window.scenarioId ?? 0,
      organizationId: window.organizationId,
      teamId: window.teamId,
      metric: 'error_rate',
      windowSizeMs: window.windowSizeMs,
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
      observed: window.errorRate,
    }));
}

/** `count` audit entries about connections (3107 and 3108) and scenarios. */
export function sampleAudit(count: number, options: SampleOptions): AuditEvent[] {
  const base = exampleEvents['com.makestream.v1.AuditEvent'];
  const names = ['connection_created', 'scenario_updated', 'connection_updated'];
  return Array.from({ length: count }, (_, i) => {
    const uuid = hex32(0xa0000 + i);
    const eventName = names[i % names.length]!;
    const triggeredAt = options.baseTime + i * 5_000;
    return {
      ...base,
      eventId: auditEventId({ zone, organizationId, uuid }),
      uuid,
      imtId: `${triggeredAt}_${uuid}`,
      createdAt: triggeredAt + 1_000,
      triggeredAt,
      eventName,
      teamId: 9_000 + (i % (options.teams ?? 3)),
      targetId: eventName.startsWith('connection') ? (i % 2 === 0 ? '3107' : '3108') : String(scenarioOf(i, options)),
      ingestedAt: triggeredAt + 30_000,
    };
  });
}

/** Events for every table, derived from `count` executions. */
export function sampleWarehouse(
  count: number,
  options: SampleOptions,
): Record<string, readonly { readonly eventId: string }[]> {
  const executions = sampleExecutions(count, options);
  const metrics = sampleMetrics(executions);
  return {
    'make.executions.raw.v1': executions,
    'make.logs.enriched.v1': sampleLogs(executions),
    'make.metrics.v1': metrics,
    'make.incidents.v1': sampleIncidents(executions),
    'make.anomalies.v1': sampleAnomalies(metrics),
    'make.audit.raw.v1': sampleAudit(Math.max(3, Math.ceil(count / 10)), options),
  };
}

/** A sink batch of `values` as if read from `topic`/`partition` from `firstOffset` on. */
export function sinkBatch<V extends { readonly eventId: string }>(
  topic: string,
  values: readonly V[],
  partition = 0,
  firstOffset = 0,
): SinkBatch<V> {
  const items = values.map((value, i) => {
    const record: LogRecord = {
      topic,
      partition,
      offset: firstOffset + i,
      key: null,
      value: null,
      headers: {},
      timestamp: 0,
    };
    return { eventId: value.eventId, value, record };
  });
  return { topic, items, dedupToken: `${topic}/${partition}/${firstOffset}-${firstOffset + values.length - 1}` };
}
