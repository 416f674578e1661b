/**
 * The one place that turns metric windows and event-time timers into anomalies, over a key-value
 * state and a timer service. The processor gives it the runtime's store and timers; the offline CLI
 * gives it a Map and a small timer queue (`createTimerQueue`). Same inputs in the same order, same
 * anomalies.
 */
import type { Anomaly } from '../../schemas/generated/types.js';
import type { AnomalyConfig } from './config.js';
import {
  checkSilence,
  observeWindow,
  silenceDeadline,
  type ScenarioState,
  type WindowObservation,
} from './detector.js';

/** What the engine needs around it. */
export interface EngineContext {
  get(key: string): ScenarioState | undefined;
  put(key: string, state: ScenarioState): void;
  /** Event-time timer: `timer(time, id)` once the watermark reaches `time`; same id moves it. */
  schedule(time: number, id: string): void;
  cancel(id: string): void;
  emit(anomaly: Anomaly): void;
}

/** The engine of one task (or of one offline run). */
export interface AnomalyEngine {
  window(observation: WindowObservation, context: EngineContext): void;
  timer(time: number, id: string, context: EngineContext): void;
}

const silencePrefix = 'silence|';

/** The state key of a scenario: zone and scenario id (timer ids are `silence|<key>`). */
export function scenarioKey(zone: string, scenarioId: number): string {
  return `${zone}|${scenarioId}`;
}

/** Creates the engine for `config`. */
export function createAnomalyEngine(config: AnomalyConfig): AnomalyEngine {
  const rearm = (key: string, state: ScenarioState, context: EngineContext) => {
    const deadline = silenceDeadline(state, config);
    if (deadline === null) context.cancel(silencePrefix + key);
    else context.schedule(deadline, silencePrefix + key);
  };
  return {
    window(observation, context) {
      const key = scenarioKey(observation.zone, observation.scenarioId);
      const { state, anomalies } = observeWindow(context.get(key), observation, config);
      context.put(key, state);
      for (const anomaly of anomalies) context.emit(anomaly);
      if (observation.executions > 0) rearm(key, state, context);
    },
    timer(time, id, context) {
      if (!id.startsWith(silencePrefix)) return;
      const key = id.slice(silencePrefix.length);
      const previous = context.get(key);
      if (previous === undefined) return;
      const { state, anomalies } = checkSilence(previous, time, config);
      context.put(key, state);
      for (const anomaly of anomalies) context.emit(anomaly);
    },
  };
}

/** A timer queue with the runtime's semantics (fire in time order, then id order), for offline runs. */
export interface TimerQueue {
  schedule(time: number, id: string): void;
  cancel(id: string): void;
  /** Removes and returns the timers due at or before `watermark`, in time then id order. */
  due(watermark: number): { time: number; id: string }[];
}

/** Creates an empty timer queue. */
export function createTimerQueue(): TimerQueue {
  const timers = new Map<string, number>();
  return {
    schedule: (time, id) => void timers.set(id, time),
    cancel: (id) => void timers.delete(id),
    due(watermark) {
      const fired: { time: number; id: string }[] = [];
      for (const [id, time] of timers) if (time <= watermark) fired.push({ time, id });
      fired.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const timer of fired) timers.delete(timer.id);
      return fired;
    },
  };
}
