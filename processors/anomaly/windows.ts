/**
 * A minimal tumbling-window accumulator for offline runs (`makestream detect`): executions in, final
 * per-scenario windows out, with the aggregate processor's semantics as specified in issue #5
 * (window = [start, start + size) by execution start time, aligned to the size; final once the
 * watermark — highest start time seen minus the allowed lateness — passes the window's end; later
 * executions of a closed window are counted as late and dropped).
 *
 * Why here and not `processors/aggregate`: that processor had no importable pure window code when
 * this was written. Difference to note: the p95 here is exact (nearest rank), where the aggregate
 * processor estimates it with a DDSketch (1% relative accuracy).
 */
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { isRealRun } from '../aggregate/totals.js';
import type { WindowObservation } from './detector.js';
import { runsP95 } from './realruns.js';

/** The fields of a ScenarioExecution that windows read. */
export type WindowedExecution = Pick<
  ScenarioExecution,
  'zone' | 'scenarioId' | 'organizationId' | 'teamId' | 'status' | 'timestamp' | 'duration' | 'operations'
> & { readonly centicredits?: number | null };

interface OpenWindow {
  readonly zone: string;
  readonly scenarioId: number;
  organizationId: number | null;
  teamId: number | null;
  readonly windowStart: number;
  executions: number;
  errors: number;
  operations: number;
  centicredits: number;
  readonly durations: number[];
  /** Real runs (`isRealRun`, the aggregate's rule): count, operations, centicredits, durations. */
  readonly real: { executions: number; operations: number; centicredits: number; readonly durations: number[] };
}

/** The accumulator. */
export interface WindowAccumulator {
  /** Adds one execution; returns the windows it closed (by end, zone, scenario). */
  add(execution: WindowedExecution): WindowObservation[];
  /** Closes every open window (end of input). */
  flush(): WindowObservation[];
  /** Current watermark (epoch ms), -Infinity before the first execution. */
  readonly watermark: number;
  /** Executions dropped because their window had closed. */
  readonly late: number;
}

function p95(durations: number[]): number | null {
  if (durations.length === 0) return null;
  durations.sort((a, b) => a - b);
  return durations[Math.ceil(0.95 * durations.length) - 1] as number;
}

function toObservation(window: OpenWindow, size: number): WindowObservation {
  return {
    zone: window.zone,
    scenarioId: window.scenarioId,
    organizationId: window.organizationId,
    teamId: window.teamId,
    windowStart: window.windowStart,
    windowEnd: window.windowStart + size,
    executions: window.executions,
    errors: window.errors,
    operations: window.operations,
    centicredits: window.centicredits,
    durationP95Ms: p95(window.durations),
    durationSumMs: window.durations.reduce((sum, duration) => sum + duration, 0),
    runDurations: window.durations.map((duration) => [duration, 1] as const),
    realRuns: {
      executions: window.real.executions,
      operations: window.real.operations,
      centicredits: window.real.centicredits,
      durationSumMs: window.real.durations.reduce((sum, duration) => sum + duration, 0),
      durationP95Ms: runsP95(window.real.durations.map((duration) => [duration, 1] as const)),
      runDurations: window.real.durations.map((duration) => [duration, 1] as const),
    },
  };
}

const byEnd = (a: WindowObservation, b: WindowObservation) =>
  a.windowEnd - b.windowEnd || (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0) || a.scenarioId - b.scenarioId;

/** Creates an accumulator of `windowSizeMs` windows with `allowedLatenessMs` of lateness. */
export function createWindowAccumulator(windowSizeMs: number, allowedLatenessMs: number): WindowAccumulator {
  const open = new Map<string, OpenWindow>();
  let highest = -Infinity;
  let late = 0;
  const closeUpTo = (watermark: number): WindowObservation[] => {
    const closed: WindowObservation[] = [];
    for (const [key, window] of open) {
      if (window.windowStart + windowSizeMs <= watermark) {
        closed.push(toObservation(window, windowSizeMs));
        open.delete(key);
      }
    }
    return closed.sort(byEnd);
  };
  return {
    get watermark() {
      return highest - allowedLatenessMs;
    },
    get late() {
      return late;
    },
    add(execution) {
      const windowStart = Math.floor(execution.timestamp / windowSizeMs) * windowSizeMs;
      if (windowStart + windowSizeMs <= highest - allowedLatenessMs) {
        late += 1;
        return [];
      }
      const key = `${execution.zone}|${execution.scenarioId}|${windowStart}`;
      let window = open.get(key);
      if (window === undefined) {
        window = {
          zone: execution.zone,
          scenarioId: execution.scenarioId,
          organizationId: execution.organizationId,
          teamId: execution.teamId,
          windowStart,
          executions: 0,
          errors: 0,
          operations: 0,
          centicredits: 0,
          durations: [],
          real: { executions: 0, operations: 0, centicredits: 0, durations: [] },
        };
        open.set(key, window);
      }
      window.executions += 1;
      if (execution.status === 'ERROR') window.errors += 1;
      window.operations += execution.operations;
      window.centicredits += execution.centicredits ?? 0;
      window.durations.push(execution.duration);
      if (isRealRun(execution)) {
        window.real.executions += 1;
        window.real.operations += execution.operations;
        window.real.centicredits += execution.centicredits ?? 0;
        window.real.durations.push(execution.duration);
      }
      if (execution.timestamp <= highest) return [];
      highest = execution.timestamp;
      return closeUpTo(highest - allowedLatenessMs);
    },
    flush: () => closeUpTo(Infinity),
  };
}
