/** The sink runtime: runs store connectors against the EventLog (see README.md and api.ts). */
export {
  allWritten,
  sinkGroup,
  type SinkBatch,
  type SinkConnector,
  type SinkHealth,
  type SinkItem,
  type SinkWriteResult,
} from './api.js';
export { dedupToken, recordBytes, type CutReason, type PartitionBatch } from './batcher.js';
export {
  parseSinkRuntimeConfig,
  sinkRuntimeConfigSchema,
  type SinkRuntimeConfig,
  type SinkRuntimeConfigInput,
} from './config.js';
export { SinkFailedError, subsetDedupToken } from './delivery.js';
export {
  startSink,
  type RunningSink,
  type SinkRuntimeHealth,
  type SinkStats,
  type StartSinkOptions,
} from './runtime.js';
