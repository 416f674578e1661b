/**
 * The labelled ground truth: JSON lines, one object per line, in the order things became visible.
 * The first line (`kind: "simulation"`) describes the world; then `execution`, `anomaly` and
 * `audit` lines. Times are ISO strings. See README.md for every field.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Anomaly } from './anomalies.js';
import type { SimAuditEntry } from './audit.js';
import type { SimExecution } from './executions.js';
import type { VisibleItem } from './store.js';
import type { SimWorld } from './world.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** One execution in the ground truth. */
export interface GroundTruthExecution {
  readonly kind: 'execution';
  readonly id: string;
  readonly imtId: string;
  readonly zone: string;
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
  /** Final status: 1 success, 2 warning, 3 error. */
  readonly status: 1 | 2 | 3;
  readonly type: 'auto' | 'manual';
  readonly timestamp: string;
  readonly endedAt: string;
  /** When the row was first listed. */
  readonly visibleAt: string;
  readonly duration: number;
  readonly operations: number;
  readonly transfer: number;
  readonly centicredits: number;
  /** Listed only with showCheckRuns=true. */
  readonly checkRun: boolean;
  /** `late` fault: listed after its successors. */
  readonly late: boolean;
  /** `running` fault: listed with status 0 until this time, else null. */
  readonly runningUntil: string | null;
  readonly errorName: string | null;
  readonly errorMessage: string | null;
  readonly causeModule: string | null;
  /** Ids of the anomalies this execution is part of. */
  readonly anomalyIds: readonly string[];
}

/** One labelled anomaly in the ground truth (times as ISO strings). */
export type GroundTruthAnomaly = { readonly kind: 'anomaly'; readonly anomaly: Anomaly['kind'] } & Record<
  string,
  unknown
>;

/** One audit entry in the ground truth. */
export interface GroundTruthAudit {
  readonly kind: 'audit';
  readonly uuid: string;
  readonly imtId: string;
  readonly organizationId: number;
  readonly eventName: string;
  readonly triggeredAt: string;
  readonly createdAt: string;
}

/** The first line: the world the traffic comes from. */
export interface GroundTruthSimulation {
  readonly kind: 'simulation';
  readonly seed: string;
  readonly startTime: string;
  readonly historyStart: string;
  readonly speed: number;
  readonly zones: readonly {
    readonly zone: string;
    readonly organizations: readonly {
      readonly id: number;
      readonly name: string;
      readonly plan: string;
      readonly apiLimit: number;
      readonly teams: readonly { readonly id: number; readonly name: string }[];
      readonly scenarios: readonly {
        readonly id: number;
        readonly name: string;
        readonly teamId: number;
        readonly trigger: string;
        readonly intervalSeconds: number | null;
      }[];
    }[];
  }[];
}

/** Everything visible so far. */
export interface GroundTruth {
  readonly simulation: GroundTruthSimulation;
  readonly executions: readonly GroundTruthExecution[];
  readonly anomalies: readonly GroundTruthAnomaly[];
  readonly auditEntries: readonly GroundTruthAudit[];
}

/** The header line for `world`. */
export function simulationLine(
  world: SimWorld,
  startTime: number,
  historyStart: number,
  speed: number,
): GroundTruthSimulation {
  return {
    kind: 'simulation',
    seed: world.seed,
    startTime: iso(startTime),
    historyStart: iso(historyStart),
    speed,
    zones: world.zones.map((zone) => ({
      zone: zone.name,
      organizations: zone.organizations.map((organization) => ({
        id: organization.id,
        name: organization.name,
        plan: organization.plan,
        apiLimit: organization.apiLimit,
        teams: organization.teams.map((team) => ({ id: team.id, name: team.name })),
        scenarios: organization.scenarios.map((s) => ({
          id: s.id,
          name: s.name,
          teamId: s.teamId,
          trigger: s.trigger,
          intervalSeconds: s.intervalSeconds,
        })),
      })),
    })),
  };
}

/** An execution's ground-truth line. */
export function executionLine(e: SimExecution): GroundTruthExecution {
  return {
    kind: 'execution',
    id: e.id,
    imtId: e.imtId,
    zone: e.zone,
    organizationId: e.organizationId,
    teamId: e.teamId,
    scenarioId: e.scenarioId,
    status: e.status,
    type: e.type,
    timestamp: iso(e.timestamp),
    endedAt: iso(e.endedAt),
    visibleAt: iso(e.visibleAt),
    duration: e.duration,
    operations: e.operations,
    transfer: e.transfer,
    centicredits: e.centicredits,
    checkRun: e.checkRun,
    late: e.late,
    runningUntil: e.runningUntil === null ? null : iso(e.runningUntil),
    errorName: e.error?.name ?? null,
    errorMessage: e.error?.message ?? null,
    causeModule: e.error?.causeModule.name ?? null,
    anomalyIds: e.anomalyIds,
  };
}

/** An anomaly's ground-truth line. */
export function anomalyLine(anomaly: Anomaly): GroundTruthAnomaly {
  const { kind, from, to, ...rest } = anomaly;
  return { kind: 'anomaly', anomaly: kind, ...rest, from: iso(from), to: to === null ? null : iso(to) };
}

/** An audit entry's ground-truth line. */
export function auditLine(entry: SimAuditEntry): GroundTruthAudit {
  return {
    kind: 'audit',
    uuid: entry.uuid,
    imtId: entry.imtId,
    organizationId: entry.organizationId,
    eventName: entry.eventName,
    triggeredAt: iso(entry.triggeredAt),
    createdAt: iso(entry.createdAt),
  };
}

/** The line for a newly visible item. */
export function itemLine(item: VisibleItem): GroundTruthExecution | GroundTruthAnomaly | GroundTruthAudit {
  if (item.kind === 'execution') return executionLine(item.execution);
  if (item.kind === 'anomaly') return anomalyLine(item.anomaly);
  return auditLine(item.entry);
}

/** The whole ground truth as JSON lines. */
export function toJsonLines(truth: GroundTruth): string {
  const lines: unknown[] = [truth.simulation, ...truth.executions, ...truth.anomalies, ...truth.auditEntries];
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

/** Writes the header to `file` (replacing it), then buffers lines until `flush()` appends them. */
export function createGroundTruthWriter(file: string, header: GroundTruthSimulation) {
  writeFileSync(file, JSON.stringify(header) + '\n');
  let buffer: string[] = [];
  return {
    add(item: VisibleItem): void {
      buffer.push(JSON.stringify(itemLine(item)));
    },
    flush(): void {
      if (buffer.length === 0) return;
      appendFileSync(file, buffer.join('\n') + '\n');
      buffer = [];
    },
  };
}
