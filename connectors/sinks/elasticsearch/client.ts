/**
 * The few calls the sink makes, over either official client: `@elastic/elasticsearch` 8 for
 * Elasticsearch (it refuses OpenSearch: product check) and `@opensearch-project/opensearch` for
 * OpenSearch. Both clients are created with `maxRetries: 0`: retries belong to the sink runtime,
 * which backs off and retries only the failed items. Every failure leaves here as a classified
 * PipelineError (retriable: connection loss, timeouts, 429, 5xx).
 */
import { Client as ElasticClient } from '@elastic/elasticsearch';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { PipelineError, RetriableError } from '../../../pipeline/errors/index.js';
import { BULK_FILTER_PATH, type BulkResponseBody } from './bulk.js';
import type { SearchSecrets, SearchSinkConfig } from './config.js';

/** What the sink needs from a search cluster. */
export interface SearchClient {
  /**
   * POSTs a prebuilt NDJSON body (UTF-8, every line ended by a newline; `createBulkRequest`) to
   * `_bulk` as it is: neither client re-serialises or re-encodes a Buffer body.
   */
  bulk(body: Buffer): Promise<BulkResponseBody>;
  putComponentTemplate(name: string, body: Record<string, unknown>): Promise<void>;
  putIndexTemplate(name: string, body: Record<string, unknown>): Promise<void>;
  /** `_cluster/health` status: green, yellow or red. */
  clusterStatus(): Promise<string>;
  close(): Promise<void>;
}

const COMPONENT = 'sink.elasticsearch';

/** Turns a client error into a PipelineError that says whether retrying helps. */
export function classifyRequestError(error: unknown, what: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const name = (error as Error | undefined)?.name ?? 'Error';
  const message = (error as Error | undefined)?.message ?? String(error);
  const status =
    (error as { meta?: { statusCode?: number } }).meta?.statusCode ?? (error as { statusCode?: number }).statusCode;
  const options = { stage: 'sending' as const, component: COMPONENT, cause: error };
  if (name === 'ResponseError' && typeof status === 'number') {
    if (status === 429 || status >= 500) {
      return new RetriableError(`${what}: HTTP ${status} (${message}); will retry.`, options);
    }
    const hint =
      status === 401 || status === 403
        ? ' Check sinks.elasticsearch.auth and the user’s privileges (create_doc, manage_index_templates).'
        : status === 413
          ? ' Lower sinks.elasticsearch.maxRequestBytes below the server’s http.max_content_length.'
          : '';
    return new PipelineError(`${what}: HTTP ${status} (${message}).${hint}`, options);
  }
  if (['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError', 'RequestAbortedError'].includes(name)) {
    return new RetriableError(`${what}: ${name} (${message}); will retry.`, options);
  }
  if (name === 'ProductNotSupportedError') {
    return new PipelineError(
      `${what}: the server is not Elasticsearch (${message}). For OpenSearch set sinks.elasticsearch.flavour: opensearch.`,
      options,
    );
  }
  // DeserializationError and the like: a proxy answering garbage is as transient as a 502.
  return new RetriableError(`${what}: ${name} (${message}); will retry.`, options);
}

async function classified<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyRequestError(error, what);
  }
}

/** Creates the client of the configured flavour. */
export function createSearchClient(config: SearchSinkConfig, secrets: SearchSecrets): SearchClient {
  return config.flavour === 'elasticsearch' ? elasticClient(config, secrets) : openSearchClient(config, secrets);
}

function tlsOptions(
  config: SearchSinkConfig,
  secrets: SearchSecrets,
): { ca?: string; rejectUnauthorized: boolean } | undefined {
  if (!config.tls) return undefined;
  return { ...(secrets.ca ? { ca: secrets.ca } : {}), rejectUnauthorized: config.tls.rejectUnauthorized };
}

function elasticClient(config: SearchSinkConfig, secrets: SearchSecrets): SearchClient {
  const auth =
    config.auth.kind === 'basic'
      ? { username: config.auth.username, password: secrets.password ?? '' }
      : config.auth.kind === 'apiKey'
        ? { apiKey: secrets.apiKey ?? '' }
        : undefined;
  const tls = tlsOptions(config, secrets);
  const client = new ElasticClient({
    nodes: config.nodes,
    maxRetries: 0,
    requestTimeout: config.requestTimeoutMs,
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
  });
  const refresh = config.refresh === 'wait_for' ? 'wait_for' : false;
  return {
    bulk: (body) =>
      classified('Elasticsearch _bulk', async () => {
        const response = await client.bulk({
          operations: body as unknown as string[],
          filter_path: BULK_FILTER_PATH,
          refresh,
        });
        return response as BulkResponseBody;
      }),
    putComponentTemplate: (name, body) =>
      classified(`Elasticsearch PUT _component_template/${name}`, async () => {
        await client.transport.request({
          method: 'PUT',
          path: `/_component_template/${encodeURIComponent(name)}`,
          body,
        });
      }),
    putIndexTemplate: (name, body) =>
      classified(`Elasticsearch PUT _index_template/${name}`, async () => {
        await client.transport.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(name)}`, body });
      }),
    clusterStatus: () =>
      classified('Elasticsearch _cluster/health', async () => String((await client.cluster.health()).status)),
    close: () => client.close(),
  };
}

function openSearchClient(config: SearchSinkConfig, secrets: SearchSecrets): SearchClient {
  const tls = tlsOptions(config, secrets);
  const client = new OpenSearchClient({
    nodes: config.nodes,
    maxRetries: 0,
    requestTimeout: config.requestTimeoutMs,
    ...(config.auth.kind === 'basic'
      ? { auth: { username: config.auth.username, password: secrets.password ?? '' } }
      : {}),
    ...(tls ? { ssl: tls } : {}),
  });
  const refresh = config.refresh === 'wait_for' ? 'wait_for' : false;
  return {
    bulk: (body) =>
      classified('OpenSearch _bulk', async () => {
        const response = await client.bulk({
          body: body as unknown as Record<string, unknown>[],
          filter_path: BULK_FILTER_PATH,
          refresh,
        });
        return response.body as BulkResponseBody;
      }),
    putComponentTemplate: (name, body) =>
      classified(`OpenSearch PUT _component_template/${name}`, async () => {
        await client.cluster.putComponentTemplate({ name, body: body as never });
      }),
    putIndexTemplate: (name, body) =>
      classified(`OpenSearch PUT _index_template/${name}`, async () => {
        await client.indices.putIndexTemplate({ name, body: body as never });
      }),
    clusterStatus: () =>
      classified('OpenSearch _cluster/health', async () => String((await client.cluster.health()).body.status)),
    close: () => client.close(),
  };
}
