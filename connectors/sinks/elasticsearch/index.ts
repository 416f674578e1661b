/**
 * The Elasticsearch / OpenSearch sink: `searchSinkFromConfig(rawConfig, { environment })` parses the config,
 * reads its secrets and returns the SinkConnector for the sink runtime (`startSink`).
 */
import type { SecretEnvironment } from '../../../pipeline/config/secret.js';
import type { SinkConnector } from '../../../pipeline/sink/api.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { createSearchClient } from './client.js';
import { parseSearchSinkConfig, resolveSearchSecrets } from './config.js';
import { createSearchSink } from './connector.js';

export { classifyBulkResponse, classifyItem, type ItemOutcome } from './bulk.js';
export { classifyRequestError, createSearchClient, type SearchClient } from './client.js';
export {
  effectiveLayout,
  parseSearchSinkConfig,
  resolveSearchSecrets,
  searchSinkConfigSchema,
  sinkTopics,
  type SearchSinkConfig,
} from './config.js';
export { createSearchSink, type SearchSinkDependencies } from './connector.js';
export { dataStreamName, dailyAliasName, dailyIndexName, datasets, knownTopics, searchTarget } from './datasets.js';
export { buildDocument } from './documents.js';

/** Builds the connector from a raw config section (`sinks.<name>`), reading secrets from `environment`. */
export function searchSinkFromConfig(
  raw: unknown,
  options: { readonly environment: SecretEnvironment; readonly logger?: Logger; readonly section?: string },
): SinkConnector {
  const section = options.section ?? 'sinks.elasticsearch';
  const config = parseSearchSinkConfig(raw, section);
  const client = createSearchClient(config, resolveSearchSecrets(config, options.environment, section));
  return createSearchSink(config, { client, ...(options.logger ? { logger: options.logger } : {}) });
}
