/**
 * `rollup`: merges the final scenario windows that `aggregate` sends to the rollup topic into TEAM and
 * ORGANIZATION MetricWindows on `make.metrics.v1` (one final result per window, revision 0).
 *
 * Event time of a contribution is its window's end. Contributions of one team come from every
 * aggregate task, so the rollup's watermark is ALIGNED (`pipeline/runtime/aligned-watermark.ts`): the
 * minimum over the aggregate tasks (`aggregateTasks`) of the progress their heartbeats promise. A
 * window closes `rollupLatenessMs` after that minimum passes its end, so every aggregate task has
 * sent its contribution by then, however the tasks interleave: the result is the same in every
 * replay, and nothing is late while the promises hold (a contribution after its window closed, e.g.
 * from a task that was idle, goes to the late side output). A silent aggregate task delays every
 * window until it sends progress or says it is idle. Merging is commutative, so the result does not
 * depend on the order in which tasks' contributions arrive.
 *
 * Duplicates: the runtime writes in transactions, but a contribution could still arrive twice (a
 * replay of the rollup topic, an at-least-once deployment). Each window keeps the ids of the scenarios
 * merged into it and ignores a second contribution of the same scenario (counted as
 * `duplicate-contribution`).
 */
import { avroTopic, defineProcessor, jsonTopic } from '../../pipeline/runtime/api.js';
import { withAlignedWatermark } from '../../pipeline/runtime/aligned-watermark.js';
import { heartbeatProgress, isHeartbeat } from '../../pipeline/runtime/heartbeats.js';
import type { ProcessorTask } from '../../pipeline/runtime/api.js';
import type { MetricWindow } from '../../schemas/generated/types.js';
import { parseAggregateConfig, ROLLUP_TOPIC } from './config.js';
import type { AggregateConfig } from './config.js';
import { readContribution, rollupKey } from './contribution.js';
import type { RollupScope } from './contribution.js';
import { rollupWindowEventId } from './ids.js';
import { METRICS_TOPIC } from './processor.js';
import { createDurationSketcher } from './sketch.js';
import type { DurationSketcher } from './sketch.js';
import { emptyTotals, mergeTotals, totalsFields } from './totals.js';
import type { WindowTotals } from './totals.js';
import { windowStateKey } from './windows.js';

/** Name of the rollup window store. */
export const ROLLUP_STORE = 'rollups';

/** State of one open team or organization window. */
export interface RollupWindowState {
  readonly zone: string;
  readonly scope: RollupScope;
  readonly scopeId: number;
  readonly organizationId: number | null;
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly totals: WindowTotals;
  /** Ids of the scenarios merged so far, ascending. */
  readonly scenarios: number[];
}

const FINAL = 'final|';

/** The rollup processor definition (config: the `processors.aggregate` section). */
export const rollupProcessor = withAlignedWatermark(
  defineProcessor<AggregateConfig, unknown>({
    name: 'rollup',
    description: 'Team and organization rollups of the final per-scenario metric windows, on make.metrics.v1.',
    inputs: [jsonTopic(ROLLUP_TOPIC)],
    outputs: [avroTopic(METRICS_TOPIC, 'metric-window')],
    stores: [ROLLUP_STORE],
    allowedLatenessMs: 0,
    eventTime: (record) => windowEndOf(record.value) ?? record.raw.timestamp,
    parseConfig: (raw) => parseAggregateConfig(raw),
    createTask: (config) => createRollupTask(config, createDurationSketcher(config.sketchRelativeAccuracy)),
  }),
  { writers: (config) => config.aggregateTasks, progress: (record) => heartbeatProgress(record.value) },
);

function windowEndOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const end = (value as { windowEnd?: unknown }).windowEnd;
  return typeof end === 'number' && Number.isFinite(end) ? end : undefined;
}

/** One task of the rollup. */
export function createRollupTask(config: AggregateConfig, sketcher: DurationSketcher): ProcessorTask<unknown> {
  const lateness = config.rollupLatenessMs;
  return {
    process(record, context) {
      if (isHeartbeat(record.value)) return context.count('heartbeats');
      const { contribution, totals } = readContribution(record.value, sketcher);
      const windowEnd = contribution.windowStart + contribution.windowSizeMs;
      if (contribution.windowEnd !== windowEnd) {
        throw new RangeError(
          `Rollup contribution window ${contribution.windowStart}..${contribution.windowEnd} is not ${contribution.windowSizeMs} ms long.`,
        );
      }
      if (windowEnd + lateness <= context.watermark) {
        context.late(`rollup window closed (rollup lateness ${lateness} ms)`);
        return;
      }
      const windows = context.store<RollupWindowState>(ROLLUP_STORE);
      const scopeKey = `${contribution.scope}:${contribution.scopeId}`;
      const key = windowStateKey(contribution.windowSizeMs, contribution.windowStart, contribution.zone, scopeKey);
      let state = windows.get(key);
      if (state === undefined) {
        state = {
          zone: contribution.zone,
          scope: contribution.scope,
          scopeId: contribution.scopeId,
          organizationId: contribution.organizationId,
          windowSizeMs: contribution.windowSizeMs,
          windowStart: contribution.windowStart,
          totals: emptyTotals(sketcher, false),
          scenarios: [],
        };
        context.schedule(windowEnd + lateness, FINAL + key);
      }
      const position = insertionPoint(state.scenarios, contribution.scenarioId);
      if (state.scenarios[position] === contribution.scenarioId) {
        context.count('duplicate-contribution');
        return;
      }
      state.scenarios.splice(position, 0, contribution.scenarioId);
      mergeTotals(state.totals, totals, sketcher);
      windows.put(key, state);
    },

    onTimer(_time, id, context) {
      const windows = context.store<RollupWindowState>(ROLLUP_STORE);
      const key = id.slice(FINAL.length);
      const state = windows.get(key);
      if (state === undefined) return;
      const value: MetricWindow = {
        eventId: rollupWindowEventId({
          zone: state.zone,
          scope: state.scope,
          scopeId: state.scopeId,
          windowSizeMs: state.windowSizeMs,
          windowStart: state.windowStart,
          revision: 0,
        }),
        zone: state.zone,
        scenarioId: null,
        organizationId: state.organizationId,
        teamId: state.scope === 'TEAM' ? state.scopeId : null,
        windowSizeMs: state.windowSizeMs,
        windowStart: state.windowStart,
        windowEnd: state.windowStart + state.windowSizeMs,
        revision: 0,
        isFinal: true,
        ...totalsFields(state.totals, sketcher, config.keepSketch),
        scope: state.scope,
        scopeId: state.scopeId,
        scenarioCount: state.scenarios.length,
      };
      context.emit({
        topic: METRICS_TOPIC,
        key: rollupKey(state.scope, state.scopeId),
        value,
        timestamp: state.windowStart,
      });
      windows.delete(key);
    },
  };
}

/** Index of the first element >= `value` in an ascending array. */
function insertionPoint(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? 0) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
