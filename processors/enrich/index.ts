/** The enrich processor: definition, configuration and the pure functions it is made of. */
export { enrichProcessor, executionsTopic, enrichedLogsTopic, catalogTopic } from './processor.js';
export { enrichConfigSchema, parseEnrichConfig, type EnrichConfig, type EnrichConfigInput } from './config.js';
export { enrichExecution, levelOf, outcomeOf, type Enrichment, type EnrichmentContext } from './enrich.js';
export { classifyError, ecsErrorCode } from './classify.js';
export {
  builtInRedactionRules,
  createRedactor,
  passesIbanCheck,
  passesLuhn,
  redactionMarker,
  type RedactionRule,
  type Redactor,
} from './redact.js';
