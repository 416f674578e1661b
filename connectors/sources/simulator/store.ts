/**
 * What the simulation has produced so far. Hours are generated when simulated time reaches them
 * (the whole hour at once); each execution, timeline row and audit entry is then listed only once
 * simulated time passes its `visibleAt`. Newly visible items are reported to listeners in the order
 * they appear, which is what the ground truth records.
 */
import { type Anomaly, type AnomalySchedule, bucketMs } from './anomalies.js';
import { generateAuditHour, type SimAuditEntry } from './audit.js';
import type { FaultConfig } from './config.js';
import { generateHour, type SimExecution, type SimTimelineEvent } from './executions.js';
import type { SimWorld } from './world.js';

/** One row of a scenario's log listing, in imtId order. */
export type LogEntry =
  | { readonly kind: 'execution'; readonly imtId: string; readonly visibleAt: number; readonly execution: SimExecution }
  | { readonly kind: 'start'; readonly imtId: string; readonly visibleAt: number; readonly execution: SimExecution }
  | { readonly kind: 'event'; readonly imtId: string; readonly visibleAt: number; readonly event: SimTimelineEvent };

/** Something that became visible, in order. */
export type VisibleItem =
  | { readonly kind: 'execution'; readonly execution: SimExecution }
  | { readonly kind: 'anomaly'; readonly anomaly: Anomaly }
  | { readonly kind: 'audit'; readonly entry: SimAuditEntry };

/** The simulation's state. */
export interface SimulationStore {
  /** Generates hours up to `now` and reports what became visible since the last call. */
  advanceTo(now: number): void;
  /** Every generated row of a scenario (visible or not), sorted by imtId. */
  logEntries(scenarioId: number): readonly LogEntry[];
  /** An execution by id within its scenario, visible or not. */
  execution(scenarioId: number, executionId: string): SimExecution | undefined;
  /** Every generated audit entry of an organization (visible or not), sorted by imtId. */
  auditEntries(organizationId: number): readonly SimAuditEntry[];
  /** Visible executions in the order they appeared. */
  visibleExecutions(): readonly SimExecution[];
  /** Anomalies that have started, in order. */
  startedAnomalies(): readonly Anomaly[];
  /** Visible audit entries in the order they appeared. */
  visibleAuditEntries(): readonly SimAuditEntry[];
  /** Generated (not necessarily visible) execution count. */
  generatedExecutionCount(): number;
  /** Calls `listener` with each item as it becomes visible. */
  onVisible(listener: (item: VisibleItem) => void): void;
}

const compareImtId = (a: { imtId: string }, b: { imtId: string }) =>
  a.imtId < b.imtId ? -1 : a.imtId > b.imtId ? 1 : 0;

/** Creates the store; nothing before `historyStart` (simulated ms) is ever generated. */
export function createSimulationStore(options: {
  readonly world: SimWorld;
  readonly anomalies: AnomalySchedule;
  readonly faults: FaultConfig;
  readonly historyStart: number;
  /** Mean audit entries per Enterprise organization and hour (default 6). */
  readonly auditEventsPerHour?: number;
}): SimulationStore {
  const { world, anomalies, faults, historyStart, auditEventsPerHour } = options;
  const logs = new Map<number, LogEntry[]>();
  const executionsById = new Map<string, SimExecution>();
  const audit = new Map<number, SimAuditEntry[]>();
  // Pending items sorted by descending visibility time, so the next to appear is at the end.
  let pending: { at: number; item: VisibleItem }[] = [];
  const visibleExecutions: SimExecution[] = [];
  const startedAnomalies: Anomaly[] = [];
  const visibleAudit: SimAuditEntry[] = [];
  const listeners: ((item: VisibleItem) => void)[] = [];
  let nextBucket = Math.floor(historyStart / bucketMs);
  let generated = 0;

  const generateBucket = (bucket: number) => {
    const added: { at: number; item: VisibleItem }[] = [];
    for (const zone of world.zones) {
      for (const organization of zone.organizations) {
        for (const scenario of organization.scenarios) {
          const hour = generateHour({ seed: world.seed, organization, anomalies, faults }, scenario, bucket);
          const entries: LogEntry[] = [];
          for (const execution of hour.executions) {
            if (execution.timestamp < historyStart) continue;
            entries.push({ kind: 'execution', imtId: execution.imtId, visibleAt: execution.visibleAt, execution });
            if (execution.startRow) {
              const imtId = `${execution.timestamp - 1}_scenario.${execution.scenarioId}.${execution.type}.${execution.id}`;
              entries.push({ kind: 'start', imtId, visibleAt: execution.timestamp, execution });
            }
            executionsById.set(`${scenario.id}/${execution.id}`, execution);
            added.push({ at: execution.visibleAt, item: { kind: 'execution', execution } });
            generated++;
          }
          for (const event of hour.timeline) {
            if (event.timestamp >= historyStart)
              entries.push({ kind: 'event', imtId: event.imtId, visibleAt: event.timestamp, event });
          }
          entries.sort(compareImtId);
          const list = logs.get(scenario.id) ?? [];
          for (const entry of entries) list.push(entry);
          logs.set(scenario.id, list);
        }
        const entries = generateAuditHour(world.seed, organization, bucket, {
          eventsPerHour: auditEventsPerHour,
          lateRate: faults.auditLateRate,
          lateDelaySeconds: faults.auditLateDelaySeconds,
        }).filter((e) => e.triggeredAt >= historyStart);
        const list = audit.get(organization.id) ?? [];
        for (const entry of entries) {
          list.push(entry);
          added.push({ at: entry.createdAt, item: { kind: 'audit', entry } });
        }
        audit.set(organization.id, list);
      }
    }
    for (const anomaly of anomalies.startingIn(bucket)) {
      if (anomaly.from >= historyStart) added.push({ at: anomaly.from, item: { kind: 'anomaly', anomaly } });
    }
    pending = [...pending, ...added].sort((a, b) => b.at - a.at);
  };

  return {
    advanceTo(now) {
      const lastBucket = Math.floor(now / bucketMs);
      while (nextBucket <= lastBucket) generateBucket(nextBucket++);
      for (let next = pending.at(-1); next !== undefined && next.at <= now; next = pending.at(-1)) {
        pending.pop();
        const { item } = next;
        if (item.kind === 'execution') visibleExecutions.push(item.execution);
        else if (item.kind === 'anomaly') startedAnomalies.push(item.anomaly);
        else visibleAudit.push(item.entry);
        for (const listener of listeners) listener(item);
      }
    },
    logEntries: (scenarioId) => logs.get(scenarioId) ?? [],
    execution: (scenarioId, executionId) => executionsById.get(`${scenarioId}/${executionId}`),
    auditEntries: (organizationId) => audit.get(organizationId) ?? [],
    visibleExecutions: () => visibleExecutions,
    startedAnomalies: () => startedAnomalies,
    visibleAuditEntries: () => visibleAudit,
    generatedExecutionCount: () => generated,
    onVisible: (listener) => {
      listeners.push(listener);
    },
  };
}
