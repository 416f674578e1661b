/** The anomaly processor, its pure detection core and the offline `makestream detect` command. */
export {
  anomalyProcessor,
  anomaliesTopic,
  metricsTopic,
  scenarioStore,
  skipReason,
  toObservation,
} from './processor.js';
export { anomalyConfigSchema, parseAnomalyConfig, type AnomalyConfig, type AnomalyConfigInput } from './config.js';
export {
  observeWindow,
  checkSilence,
  silenceDeadline,
  type ScenarioState,
  type WindowObservation,
} from './detector.js';
export {
  createAnomalyEngine,
  createTimerQueue,
  scenarioKey,
  type AnomalyEngine,
  type EngineContext,
} from './engine.js';
export { detectCommand, parseExecutionLine, type DetectOptions, type DetectSummary } from './cli.js';
export { detectInExecutions, createOfflineDetector, type OfflineDetection } from './offline.js';
export { createWindowAccumulator, type WindowAccumulator, type WindowedExecution } from './windows.js';
