/** The Make.com API poller (see README.md). */
export { createMakeApiSource, readToken, type MakeApiSource, type MakeApiSourceDependencies } from './connector.js';
export {
  makeApiSourceConfigSchema,
  tokenSourceSchema,
  type MakeApiSourceConfig,
  type MakeApiSourceConfigInput,
  type MakeApiZoneConfig,
  type TokenSource,
} from './config.js';
export { MakeApiError, type Fetch } from './client.js';
export { makeApiMetrics, type MakeApiMetrics } from './metrics.js';
