export { createSplunkHecSink, type SplunkHecSinkDependencies } from './connector.js';
export { splunkHecSinkConfigSchema, type SplunkHecSinkConfig, type SplunkHecSinkConfigInput } from './config.js';
export { classifyHecResponse, type HecOutcome } from './responses.js';
export { hecEnvelope, hecTime } from './envelope.js';
