/**
 * The aggregate processors: `aggregate` (per-scenario windows) and `rollup` (team and organization
 * windows merged from the final scenario windows). Register both; they share the config section
 * `processors.aggregate`.
 */
export {
  aggregateProcessor,
  defineAggregateProcessor,
  createAggregateTask,
  EXECUTIONS_TOPIC,
  METRICS_TOPIC,
  WINDOW_STORE,
} from './processor.js';
export type { AggregateTopics, ScenarioWindowState } from './processor.js';
export { rollupProcessor, createRollupTask, ROLLUP_STORE } from './rollup.js';
export type { RollupWindowState } from './rollup.js';
export { aggregateConfigSchema, parseAggregateConfig, ROLLUP_TOPIC, DEFAULT_WINDOW_SIZES_MS } from './config.js';
export type { AggregateConfig, AggregateConfigInput } from './config.js';
export { createDurationSketcher } from './sketch.js';
export type { DurationSketch, DurationSketcher } from './sketch.js';
export { rollupWindowEventId } from './ids.js';
export type { RollupContribution, RollupScope } from './contribution.js';
