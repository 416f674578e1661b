/**
 * The `anomaly` processor: final SCENARIO-scope metric windows (`make.metrics.v1`) in, anomalies
 * (`make.anomalies.v1`, keyed by scenarioId) out. State: one detector state per scenario in the
 * `scenarios` store (changelogged by the runtime); silences are found by event-time timers, since a
 * scenario that stopped produces no window. Deterministic: no clock, ids from `anomalyEventId`.
 *
 * Timers (silences) run on the clock of the scenario's WRITER, the aggregate task that writes every
 * window of the scenario (named by the `makestream.writer.task` header; windows without it share one
 * clock): several aggregate tasks write each partition of `make.metrics.v1`, and a clock shared by
 * them (the highest window end seen) fires silences according to how the tasks interleave, which a
 * replay changes. A writer's clock is the highest end of its analysed windows
 * (`pipeline/runtime/writer-clocks.ts`), so a silence is found once the scenario's own aggregate task
 * has moved on; when every scenario of that task stops, its silences wait for its next window.
 *
 * Windows taken in: `isFinal`, `windowSizeMs` equal to the configured size, `scope` SCENARIO (the
 * schema's default for records written before the field existed) and a scenarioId. Others are counted and
 * skipped. Event time of a window: its `windowEnd`.
 */
import { avroTopic, defineProcessor, type InputRecord, type TaskContext } from '../../pipeline/runtime/api.js';
import { createWriterClocks, type WriterClocks } from '../../pipeline/runtime/writer-clocks.js';
import type { Anomaly, MetricWindow } from '../../schemas/generated/types.js';
import { parseAnomalyConfig, type AnomalyConfig } from './config.js';
import type { ScenarioState, WindowObservation } from './detector.js';
import { createAnomalyEngine, type EngineContext } from './engine.js';
import { realRunsOfWindow } from './realruns.js';
import { sketchRuns } from './runs.js';

/** Input topic (windows of the aggregate processor). */
export const metricsTopic = 'make.metrics.v1';
/** Output topic. */
export const anomaliesTopic = 'make.anomalies.v1';

/** Name of the per-scenario state store. */
export const scenarioStore = 'scenarios';
/** Name of the store of the per-writer clocks and silence timers. */
export const writerClockStore = 'writer-clocks';
/** Header naming the aggregate task that wrote a window (set by the aggregate processor). */
export const writerHeader = 'makestream.writer.task';

/** The writer of a window: its header, or `-` for windows written without it. */
export function writerOf(record: Pick<InputRecord<unknown>, 'headers'>): string {
  const header = record.headers[writerHeader];
  return header === undefined ? '-' : header.toString('utf8');
}

/** A metric window as this processor reads it. */
export type MetricWindowInput = MetricWindow;

/** Why a window is skipped, or null when it is analysed. */
export function skipReason(window: MetricWindowInput, config: AnomalyConfig): string | null {
  if (!window.isFinal) return 'window_not_final';
  if (window.windowSizeMs !== config.windowSizeMs) return 'window_other_size';
  if (window.scope !== 'SCENARIO') return 'window_other_scope';
  if (window.scenarioId === null) return 'window_without_scenario';
  return null;
}

/** The detector's view of a metric window. */
export function toObservation(window: MetricWindowInput & { readonly scenarioId: number }): WindowObservation {
  return {
    zone: window.zone,
    scenarioId: window.scenarioId,
    organizationId: window.organizationId,
    teamId: window.teamId,
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    executions: window.executions,
    errors: window.errors,
    operations: window.operations,
    centicredits: window.centicredits,
    durationP95Ms: window.durationP95Ms,
    durationSumMs: window.durationSumMs,
    runDurations: sketchRuns(window.durationSketch),
    realRuns: realRunsOfWindow(window),
  };
}

function engineContext(context: TaskContext, clocks?: WriterClocks, writer?: string): EngineContext {
  const store = context.store<ScenarioState>(scenarioStore);
  return {
    get: (key) => store.get(key),
    put: (key, state) => store.put(key, state),
    schedule: (time, id) => (clocks ? clocks.schedule(writer!, time, id) : context.schedule(time, id)),
    cancel: (id) => {
      clocks?.cancel(id);
      context.cancel(id); // a timer from before writer clocks
    },
    emit(anomaly: Anomaly) {
      context.emit({
        topic: anomaliesTopic,
        key: String(anomaly.scenarioId),
        value: anomaly,
        timestamp: anomaly.windowEnd,
      });
      context.count(`anomaly_${anomaly.detector}`);
    },
  };
}

/** The anomaly processor (config section `processors.anomaly`, see `config.ts`). */
export const anomalyProcessor = defineProcessor<AnomalyConfig, MetricWindowInput>({
  name: 'anomaly',
  description:
    'Per-scenario baselines on metric windows: error-rate spikes, latency regressions, volume drops, silences, burn surges.',
  inputs: [avroTopic(metricsTopic, 'metric-window')],
  outputs: [avroTopic(anomaliesTopic, 'anomaly')],
  stores: [scenarioStore, writerClockStore],
  eventTime: (record) => record.value.windowEnd,
  parseConfig: (raw) => parseAnomalyConfig(raw),
  createTask(config) {
    const engine = createAnomalyEngine(config);
    return {
      process(record, context) {
        const reason = skipReason(record.value, config);
        if (reason !== null) {
          context.count(reason);
          return;
        }
        const writer = writerOf(record);
        const clocks = createWriterClocks(context.store(writerClockStore));
        const engineContextOfWriter = engineContext(context, clocks, writer);
        engine.window(toObservation(record.value as MetricWindowInput & { scenarioId: number }), engineContextOfWriter);
        let due = clocks.takeDue(writer, record.value.windowEnd);
        for (; due !== undefined; due = clocks.takeDue(writer)) {
          context.count('timers.writer');
          engine.timer(due.time, due.id, engineContextOfWriter);
        }
      },
      // Only timers scheduled before writer clocks existed (restored state) still come this way.
      onTimer(time, id, context) {
        engine.timer(time, id, engineContext(context));
      },
    };
  },
});
