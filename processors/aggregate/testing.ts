/**
 * Test and benchmark support for the aggregate: executions from plain facts, and a brute-force
 * reference of the windowed totals (exact sorts, no sketch) to compare the processor against.
 */
import { executionEventId } from '../../pipeline/ids.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { ExecutionStatus, ScenarioExecution } from '../../schemas/generated/types.js';
import { tumblingWindowStart } from './windows.js';

/** The facts of one execution a test chooses. */
export interface ExecutionFacts {
  readonly scenarioId: number;
  readonly teamId: number;
  readonly organizationId: number;
  readonly timestamp: number;
  readonly status: ExecutionStatus;
  readonly duration: number;
  readonly operations: number;
  readonly transfer: number;
  readonly centicredits: number | null;
  /** Distinguishes executions (part of the execution id). */
  readonly sequence: number;
}

const zone = 'eu1.make.com';

/** A full ScenarioExecution from facts (the rest from the schema example). */
export function makeExecution(facts: ExecutionFacts): ScenarioExecution {
  const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
  const executionId = facts.sequence.toString(16).padStart(32, '0');
  return {
    ...base,
    zone,
    eventId: executionEventId({ zone, scenarioId: facts.scenarioId, executionId }),
    executionId,
    imtId: null,
    scenarioId: facts.scenarioId,
    teamId: facts.teamId,
    organizationId: facts.organizationId,
    timestamp: facts.timestamp,
    endedAt: facts.timestamp + Math.max(0, facts.duration),
    status: facts.status,
    statusCode: null,
    duration: facts.duration,
    operations: facts.operations,
    transfer: facts.transfer,
    centicredits: facts.centicredits,
    ingestedAt: facts.timestamp,
  };
}

/** Exact totals of one window, computed by brute force. */
export interface ReferenceWindow {
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly executions: number;
  readonly successes: number;
  readonly warnings: number;
  readonly errors: number;
  readonly others: number;
  readonly operations: number;
  readonly transfer: number;
  readonly centicredits: number;
  readonly durationSumMs: number;
  readonly durationMinMs: number;
  readonly durationMaxMs: number;
  /** All durations (negative ones as 0), ascending. */
  readonly durations: readonly number[];
  /** The real runs' (more than one operation) operations and centicredits sums, and durations ascending. */
  readonly real: { readonly operations: number; readonly centicredits: number; readonly durations: readonly number[] };
}

/** Brute-force windows of `executions` grouped by `groupOf` (e.g. scenario or team id), keyed `group|size|start`. */
export function referenceWindows(
  executions: readonly ExecutionFacts[],
  sizes: readonly number[],
  groupOf: (execution: ExecutionFacts) => number,
): Map<string, ReferenceWindow> {
  const groups = new Map<string, ExecutionFacts[]>();
  for (const execution of executions) {
    for (const size of sizes) {
      const key = `${groupOf(execution)}|${size}|${tumblingWindowStart(execution.timestamp, size)}`;
      const list = groups.get(key) ?? [];
      list.push(execution);
      groups.set(key, list);
    }
  }
  const windows = new Map<string, ReferenceWindow>();
  for (const [key, list] of groups) {
    const [, size, start] = key.split('|').map(Number) as [number, number, number];
    const durations = list.map((execution) => Math.max(0, execution.duration)).sort((a, b) => a - b);
    const sum = (pick: (execution: ExecutionFacts) => number): number =>
      list.reduce((total, execution) => total + pick(execution), 0);
    const status = (value: ExecutionStatus): number => list.filter((execution) => execution.status === value).length;
    windows.set(key, {
      windowSizeMs: size,
      windowStart: start,
      executions: list.length,
      successes: status('SUCCESS'),
      warnings: status('WARNING'),
      errors: status('ERROR'),
      others: list.length - status('SUCCESS') - status('WARNING') - status('ERROR'),
      operations: sum((execution) => execution.operations),
      transfer: sum((execution) => execution.transfer),
      centicredits: sum((execution) => execution.centicredits ?? 0),
      durationSumMs: durations.reduce((total, duration) => total + duration, 0),
      durationMinMs: durations[0]!,
      durationMaxMs: durations[durations.length - 1]!,
      durations,
      real: {
        operations: list.filter((e) => e.operations > 1).reduce((total, e) => total + e.operations, 0),
        centicredits: list.filter((e) => e.operations > 1).reduce((total, e) => total + (e.centicredits ?? 0), 0),
        durations: list
          .filter((e) => e.operations > 1)
          .map((e) => Math.max(0, e.duration))
          .sort((a, b) => a - b),
      },
    });
  }
  return windows;
}

/** The exact value DDSketch estimates for quantile `q`: the element at rank floor(q * (n - 1)). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}
