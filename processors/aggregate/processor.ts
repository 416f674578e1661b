/**
 * `aggregate`: per scenario, tumbling event-time windows (1 min, 5 min, 1 h by default) over the raw
 * executions, emitted as MetricWindow on `make.metrics.v1` once each window closes, and offered to
 * the team/organization rollup (`rollup.ts`) through the internal rollup topic.
 *
 * Event time is the execution's own start (`timestamp`), never the log timestamp. A window closes
 * when the task's highest execution time reaches windowEnd + allowedLatenessMs (an event-time timer);
 * records for a closed window go to the late side output, once per record, and still count in the
 * larger windows that are open. The definition's own `allowedLatenessMs` is 0 (the watermark is the
 * highest event time seen) because lateness is a config value: the timers add it.
 */
import { avroTopic, defineProcessor, jsonTopic } from '../../pipeline/runtime/api.js';
import type { KeyValueStore, TaskContext } from '../../pipeline/runtime/api.js';
import type { IdleAwareTask } from '../../pipeline/runtime/aligned-watermark.js';
import { sendIdle, sendProgress, type HeartbeatTarget } from '../../pipeline/runtime/heartbeats.js';
import { metricWindowEventId } from '../../pipeline/ids.js';
import type { MetricWindow, ScenarioExecution } from '../../schemas/generated/types.js';
import { parseAggregateConfig, ROLLUP_TOPIC } from './config.js';
import type { AggregateConfig } from './config.js';
import { rollupKey, toContribution } from './contribution.js';
import { createDurationSketcher } from './sketch.js';
import type { DurationSketcher } from './sketch.js';
import { addExecution, emptyTotals, totalsFields } from './totals.js';
import type { WindowTotals } from './totals.js';
import { tumblingWindowStart, windowStateKey } from './windows.js';

/** Input topic: raw executions. */
export const EXECUTIONS_TOPIC = 'make.executions.raw.v1';
/** Output topic: metric windows. */
export const METRICS_TOPIC = 'make.metrics.v1';
/** Name of the window state store. */
export const WINDOW_STORE = 'windows';
/** Header of a scenario window naming the aggregate task that wrote it (decimal). */
export const WRITER_HEADER = 'makestream.writer.task';
/** Name of the store of the heartbeats sent to the rollup topic. */
export const HEARTBEAT_STORE = 'heartbeat';

/** State of one open scenario window (JSON, in the `windows` store). */
export interface ScenarioWindowState {
  readonly zone: string;
  readonly scenarioId: number;
  readonly organizationId: number;
  readonly teamId: number;
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly totals: WindowTotals;
  /** Revision the next emission takes. */
  revision: number;
  /** Changed since the last early emission. */
  changed: boolean;
}

const FINAL = 'final|';
const EARLY = 'early|';

/** Where an aggregate reads and writes (defaults: the v1 topics); tests and benchmarks relocate it. */
export interface AggregateTopics {
  /** Processor name (consumer group, changelogs, DLQ). Default `aggregate`. */
  readonly name?: string;
  readonly executions?: string;
  readonly metrics?: string;
  readonly rollup?: string;
}

/** Defines an aggregate processor over `topics` (all defaults: the production definition). */
export function defineAggregateProcessor(topics: AggregateTopics = {}) {
  const metrics = topics.metrics ?? METRICS_TOPIC;
  const rollup = topics.rollup ?? ROLLUP_TOPIC;
  return defineProcessor<AggregateConfig, ScenarioExecution>({
    name: topics.name ?? 'aggregate',
    description:
      'Per-scenario tumbling-window aggregates of executions (counts, error rate, durations with quantiles, operations, transfer, credits) on make.metrics.v1.',
    inputs: [avroTopic(topics.executions ?? EXECUTIONS_TOPIC, 'scenario-execution')],
    outputs: [avroTopic(metrics, 'metric-window'), jsonTopic(rollup)],
    stores: [WINDOW_STORE, HEARTBEAT_STORE],
    allowedLatenessMs: 0,
    eventTime: (record) => record.value.timestamp,
    parseConfig: (raw) => parseAggregateConfig(raw),
    createTask: (config) =>
      createAggregateTask(config, createDurationSketcher(config.sketchRelativeAccuracy), { metrics, rollup }),
  });
}

/** The aggregate processor definition. */
export const aggregateProcessor = defineAggregateProcessor();

/**
 * One task of the aggregate. Window states are cached as objects (the store keeps JSON text, so a
 * `get` parses): the cache is the store's content as of the last `put`, and every change is still
 * `put` at once so the changelog and a rollback-free restore see it. A record is validated before any
 * state changes, so a record that throws leaves cache and store alike.
 */
export function createAggregateTask(
  config: AggregateConfig,
  sketcher: DurationSketcher,
  topics: { readonly metrics: string; readonly rollup: string } = { metrics: METRICS_TOPIC, rollup: ROLLUP_TOPIC },
): IdleAwareTask<ScenarioExecution> {
  const cache = new Map<string, ScenarioWindowState>();
  const sizes = [...config.windowSizesMs].sort((a, b) => a - b);
  const lateness = config.allowedLatenessMs;
  const early = config.earlyUpdateIntervalMs;
  const heartbeats: HeartbeatTarget = {
    topic: topics.rollup,
    partitions: config.rollupPartitions,
    intervalMs: config.rollups ? config.heartbeatIntervalMs : 0,
  };

  const load = (windows: KeyValueStore<ScenarioWindowState>, key: string): ScenarioWindowState | undefined => {
    let state = cache.get(key);
    if (state === undefined) {
      state = windows.get(key);
      if (state !== undefined) cache.set(key, state);
    }
    return state;
  };

  function emitWindow(
    state: ScenarioWindowState,
    isFinal: boolean,
    context: TaskContext,
    encodedSketch?: Buffer,
  ): void {
    const windowEnd = state.windowStart + state.windowSizeMs;
    const value: MetricWindow = {
      eventId: metricWindowEventId({
        zone: state.zone,
        scenarioId: state.scenarioId,
        windowSizeMs: state.windowSizeMs,
        windowStart: state.windowStart,
        revision: state.revision,
      }),
      zone: state.zone,
      scenarioId: state.scenarioId,
      organizationId: state.organizationId,
      teamId: state.teamId,
      windowSizeMs: state.windowSizeMs,
      windowStart: state.windowStart,
      windowEnd,
      revision: state.revision,
      isFinal,
      ...totalsFields(state.totals, sketcher, config.keepSketch, encodedSketch),
      scope: 'SCENARIO',
      scopeId: state.scenarioId,
      scenarioCount: 1,
    };
    // The header names the writer task: the anomaly processor runs a scenario's timers on the clock
    // of the one aggregate task that writes the scenario (pipeline/runtime/writer-clocks.ts).
    context.emit({
      topic: topics.metrics,
      key: String(state.scenarioId),
      value,
      timestamp: state.windowStart,
      headers: { [WRITER_HEADER]: String(context.task) },
    });
    state.revision += 1;
    state.changed = false;
  }

  function emitContributions(state: ScenarioWindowState, context: TaskContext, encodedSketch: Buffer): void {
    const identity = {
      zone: state.zone,
      organizationId: state.organizationId,
      teamId: state.teamId,
      scenarioId: state.scenarioId,
      windowSizeMs: state.windowSizeMs,
      windowStart: state.windowStart,
      windowEnd: state.windowStart + state.windowSizeMs,
    };
    for (const [scope, scopeId] of [
      ['TEAM', state.teamId],
      ['ORGANIZATION', state.organizationId],
    ] as const) {
      const value = toContribution({ ...identity, scope, scopeId }, state.totals, sketcher, encodedSketch);
      context.emit({ topic: topics.rollup, key: rollupKey(scope, scopeId), value, timestamp: state.windowStart });
    }
  }

  return {
    process(record, context) {
      const execution = record.value;
      const time = record.eventTime;
      const windows = context.store<ScenarioWindowState>(WINDOW_STORE);
      const watermark = context.watermark;
      // The rollup's aligned watermark: a window that is not closed yet ends after
      // watermark - lateness, so no contribution still to come ends at or before that.
      sendProgress(context, context.store(HEARTBEAT_STORE), heartbeats, watermark - lateness);
      let lateSizes: number[] | undefined;
      if (execution.duration < 0) context.count('negative-duration');
      for (const size of sizes) {
        const windowStart = tumblingWindowStart(time, size);
        const windowEnd = windowStart + size;
        if (windowEnd + lateness <= watermark) {
          (lateSizes ??= []).push(size);
          continue;
        }
        const key = windowStateKey(size, windowStart, execution.zone, String(execution.scenarioId));
        let state = load(windows, key);
        if (state === undefined) {
          state = {
            zone: execution.zone,
            scenarioId: execution.scenarioId,
            organizationId: execution.organizationId,
            teamId: execution.teamId,
            windowSizeMs: size,
            windowStart,
            totals: emptyTotals(sketcher),
            revision: 0,
            changed: false,
          };
          cache.set(key, state);
          context.schedule(windowEnd + lateness, FINAL + key);
          if (early > 0 && windowStart + early < windowEnd) context.schedule(windowStart + early, EARLY + key);
        }
        addExecution(state.totals, execution, sketcher);
        state.changed = true;
        windows.put(key, state);
      }
      if (lateSizes !== undefined) {
        context.late(`window closed for sizes ${lateSizes.join(', ')} ms (allowed lateness ${lateness} ms)`);
      }
    },

    onIdle(context, idleForMs) {
      // The runner asks once the task read all of its input and had none for its idleAfterMs. A task
      // that never sent progress has no input at all: idle now; one that did: after config.idleAfterMs.
      const store = context.store<number | boolean>(HEARTBEAT_STORE);
      if (store.get('slot') === undefined || idleForMs >= config.idleAfterMs) sendIdle(context, store, heartbeats);
    },

    onTimer(time, id, context) {
      const windows = context.store<ScenarioWindowState>(WINDOW_STORE);
      const isFinal = id.startsWith(FINAL);
      const key = id.slice(isFinal ? FINAL.length : EARLY.length);
      // Timers read the store, not the cache: a timer that throws is rolled back by the runtime, and
      // the cache must not keep what it changed. Timers are rare next to records.
      cache.delete(key);
      const state = windows.get(key);
      if (state === undefined) return;
      if (isFinal) {
        // One encoding of the sketch serves the metric window and both rollup contributions.
        const encodedSketch = sketcher.encode(state.totals.durationSketch);
        emitWindow(state, true, context, encodedSketch);
        if (config.rollups) emitContributions(state, context, encodedSketch);
        windows.delete(key);
        context.cancel(EARLY + key);
        return;
      }
      if (state.changed) {
        emitWindow(state, false, context);
        windows.put(key, state);
      }
      cache.set(key, state);
      const next = time + early;
      if (next < state.windowStart + state.windowSizeMs) context.schedule(next, EARLY + key);
    },
  };
}
