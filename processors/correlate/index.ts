/** The correlate processors (two stages), their configuration and the pure functions they are made of. */
export {
  correlateProcessor,
  incidentsProcessor,
  defineCorrelateProcessor,
  defineIncidentsProcessor,
  enrichedLogsInput,
  occurrencesTopic,
  incidentsTopic,
  type CorrelateDefinitionOptions,
} from './processor.js';
export {
  correlateConfigSchema,
  incidentsConfigSchema,
  parseCorrelateConfig,
  parseIncidentsConfig,
  type CorrelateConfig,
  type IncidentsConfig,
  type IncidentsConfigInput,
} from './config.js';
export { errorFingerprint, normaliseMessage, type FingerprintInput } from './fingerprint.js';
export { heartbeatKeys, isHeartbeat, type Heartbeat } from './heartbeat.js';
export {
  addToGroup,
  isComplete,
  isFailure,
  occurrencesOf,
  startGroup,
  type ErrorOccurrence,
  type ExecutionGroup,
  type FailingModule,
} from './occurrence.js';
export {
  applyOccurrence,
  isOpen,
  newFingerprintState,
  resolve,
  resolveTime,
  type FingerprintState,
  type IncidentFacts,
  type Transition,
} from './incident-state.js';
export { incidentTitle, rootCauseOf, severityOf } from './root-cause.js';
