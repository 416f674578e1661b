/**
 * Offline detection: executions (any order within the allowed lateness) → windows → the same engine
 * the processor runs → anomalies. Used by `makestream detect` (`cli.ts`) and the evaluation harness
 * (`bench/anomaly`). Timers fire as in the runtime: after a window is taken in, every silence timer
 * due at or before that window's end fires, in time then id order.
 */
import type { Anomaly } from '../../schemas/generated/types.js';
import type { AnomalyConfig } from './config.js';
import type { ScenarioState, WindowObservation } from './detector.js';
import { createAnomalyEngine, createTimerQueue, type EngineContext } from './engine.js';
import { createWindowAccumulator, type WindowedExecution } from './windows.js';

/** What an offline run produced. */
export interface OfflineDetection {
  /** Anomalies in emission order (by event time). */
  readonly anomalies: Anomaly[];
  readonly executions: number;
  readonly windows: number;
  /** Executions dropped as later than the allowed lateness. */
  readonly late: number;
}

/** Runs the detector over final windows given in time order (as the processor sees them). */
export function createOfflineDetector(config: AnomalyConfig) {
  const engine = createAnomalyEngine(config);
  const states = new Map<string, ScenarioState>();
  const timers = createTimerQueue();
  const anomalies: Anomaly[] = [];
  const context: EngineContext = {
    get: (key) => states.get(key),
    put: (key, state) => void states.set(key, state),
    schedule: (time, id) => timers.schedule(time, id),
    cancel: (id) => timers.cancel(id),
    emit: (anomaly) => void anomalies.push(anomaly),
  };
  let watermark = -Infinity;
  const advance = (time: number) => {
    if (time <= watermark) return;
    watermark = time;
    for (const timer of timers.due(watermark)) engine.timer(timer.time, timer.id, context);
  };
  return {
    anomalies,
    /** Takes in one final window, then fires the timers its end makes due. */
    window(observation: WindowObservation): void {
      engine.window(observation, context);
      advance(observation.windowEnd);
    },
  };
}

/** Detects anomalies in `executions` (an iterable in roughly time order). */
export function detectInExecutions(
  executions: Iterable<WindowedExecution>,
  config: AnomalyConfig,
  allowedLatenessMs: number,
): OfflineDetection {
  const accumulator = createWindowAccumulator(config.windowSizeMs, allowedLatenessMs);
  const detector = createOfflineDetector(config);
  let count = 0;
  let windows = 0;
  const take = (closed: WindowObservation[]) => {
    for (const window of closed) detector.window(window);
    windows += closed.length;
  };
  for (const execution of executions) {
    count += 1;
    take(accumulator.add(execution));
  }
  take(accumulator.flush());
  return { anomalies: detector.anomalies, executions: count, windows, late: accumulator.late };
}
