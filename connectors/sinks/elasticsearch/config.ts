/**
 * Configuration of the Elasticsearch / OpenSearch sink: a strict zod schema that is also its
 * documentation (one `.describe()` per field). Unknown fields are rejected. Secrets (password, API
 * key, CA certificate) are never written inline: each names an environment variable or a file,
 * read at start (`resolveSearchSecrets`).
 */
import { z } from 'zod';
import { sinkRuntimeConfigSchema } from '../../../pipeline/sink/config.js';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { readSecret, secretSourceSchema, type SecretEnvironment } from '../../../pipeline/config/secret.js';
import { documentShapes, knownTopics, type DocumentShape } from './datasets.js';

const nodeUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { error: 'an http(s) URL such as "https://search.example.com:9200"' });

const lowercaseName = z.string().regex(/^[a-z0-9][a-z0-9_]{0,99}$/, {
  error: 'lowercase letters, digits and "_", starting with a letter or digit (no "-": it separates name parts)',
});

const topicEntry = z.union([
  z.enum(knownTopics).describe('A catalogue topic; its document shape follows from its name.'),
  z
    .strictObject({
      topic: z.string().min(1).describe('Topic name (e.g. a renamed or test topic).'),
      shape: z.enum(documentShapes).describe('Which event type its values are, hence which document and template.'),
    })
    .describe('A topic under another name, with the shape of its values.'),
]);

const authSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('none').describe('No authentication (local nodes without security).') }),
    z.strictObject({
      kind: z.literal('basic').describe('HTTP basic authentication.'),
      username: z.string().min(1).describe('User name.'),
      password: secretSourceSchema.describe('Password, from an environment variable or a file.'),
    }),
    z.strictObject({
      kind: z.literal('apiKey').describe('Elasticsearch API key (`Authorization: ApiKey …`); Elasticsearch only.'),
      apiKey: secretSourceSchema.describe(
        'The encoded API key (base64 of `id:api_key`), from an env variable or file.',
      ),
    }),
  ])
  .default({ kind: 'none' })
  .describe('How the sink authenticates: `none`, `basic` or `apiKey` (Elasticsearch only).');

/** The sink's configuration as written (before defaults), with the shared sink runtime keys. */
export const searchSinkConfigSchema = sinkRuntimeConfigSchema
  .extend({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
      .optional()
      .describe(
        'Sink name: consumer group `makestream.sink.<name>`, DLQ `makestream.dlq.<name>`; default: the flavour.',
      ),
    flavour: z
      .enum(['elasticsearch', 'opensearch'])
      .describe('The server: `elasticsearch` (8.x/9.x, @elastic/elasticsearch) or `opensearch` (2.x).'),
    nodes: z.array(nodeUrl).min(1, { error: 'list at least one node URL' }).describe('Node URLs, tried in turn.'),
    auth: authSchema,
    tls: z
      .strictObject({
        ca: secretSourceSchema
          .optional()
          .describe('PEM CA certificate(s) that signed the nodes’ certificates (private CAs).'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Refuse node certificates the CA set does not vouch for. Only disable on throw-away machines.'),
      })
      .optional()
      .describe('TLS settings for https node URLs.'),
    layout: z
      .enum(['data-stream', 'daily-indices'])
      .optional()
      .describe(
        'Where documents go. `data-stream` (default on Elasticsearch): `<type>-<dataset>-<namespace>`; `daily-indices` (default on OpenSearch): `<prefix>-<type>-<dataset>-<namespace>-YYYY.MM.DD` by event date, with a read alias per dataset. Daily indices make `_id` de-duplication exact; see README.',
      ),
    namespace: lowercaseName
      .default('default')
      .describe('Namespace part of every data stream / index name (e.g. `prod`), as in the Elastic naming scheme.'),
    prefix: lowercaseName
      .default('makestream')
      .describe('Prefix of the daily indices, their aliases and of every template name.'),
    topics: z
      .array(topicEntry)
      .min(1)
      .default([...knownTopics])
      .describe('Topics this sink consumes; by default the five catalogue topics it knows.'),
    shards: z.number().int().min(1).max(64).default(1).describe('Primary shards of each new index.'),
    replicas: z.number().int().min(0).max(8).default(1).describe('Replicas of each new index (0 on one node).'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe('Time limit of one request (ms); a timeout fails the batch as retriable.'),
    maxRequestBytes: z
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024)
      .describe(
        'Largest `_bulk` body (bytes); a larger batch is sent as several requests. Keep under http.max_content_length.',
      ),
    maxRequestDocs: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe(
        'Most documents per `_bulk` request; a larger batch is sent as several requests (see maxRequestsInFlight).',
      ),
    maxRequestsInFlight: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(2)
      .describe(
        '`_bulk` requests of one batch sent at once (the next one is built meanwhile); 1 sends them one after the other. The batch is acknowledged when all are answered.',
      ),
    refresh: z
      .enum(['false', 'wait_for'])
      .default('false')
      .describe('`wait_for`: each bulk returns once its documents are searchable (tests; slower).'),
  })
  .superRefine((config, context) => {
    if (config.flavour === 'opensearch' && config.auth.kind === 'apiKey') {
      context.addIssue({
        code: 'custom',
        path: ['auth', 'kind'],
        message: 'OpenSearch has no API keys: use `basic` (or `none`)',
      });
    }
    const names = config.topics.map((entry) => (typeof entry === 'string' ? entry : entry.topic));
    if (new Set(names).size !== names.length) {
      context.addIssue({ code: 'custom', path: ['topics'], message: 'each topic may be listed once' });
    }
  })
  .transform((config) => ({ ...config, name: config.name ?? config.flavour }));

/** The sink's configuration with defaults applied. */
export type SearchSinkConfig = z.infer<typeof searchSinkConfigSchema>;

/** One consumed topic and the shape of its values. */
export interface SinkTopic {
  readonly topic: string;
  readonly shape: DocumentShape;
}

/** The topics of a config with their shapes. */
export function sinkTopics(config: SearchSinkConfig): SinkTopic[] {
  return config.topics.map((entry) =>
    typeof entry === 'string' ? { topic: entry, shape: shapeOfKnownTopic(entry) } : entry,
  );
}

function shapeOfKnownTopic(topic: (typeof knownTopics)[number]): DocumentShape {
  const shapes: Record<(typeof knownTopics)[number], DocumentShape> = {
    'make.logs.enriched.v1': 'enriched-log',
    'make.incidents.v1': 'incident',
    'make.anomalies.v1': 'anomaly',
    'make.metrics.v1': 'metric-window',
    'make.audit.raw.v1': 'audit-event',
  };
  return shapes[topic];
}

/** The layout in effect: the configured one or the flavour's default. */
export function effectiveLayout(config: SearchSinkConfig): 'data-stream' | 'daily-indices' {
  return config.layout ?? (config.flavour === 'elasticsearch' ? 'data-stream' : 'daily-indices');
}

/**
 * Parses a raw config section; a ConfigError names every bad field as `<section>.<path>: <problem>`.
 */
export function parseSearchSinkConfig(raw: unknown, section = 'sinks.elasticsearch'): SearchSinkConfig {
  const parsed = searchSinkConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${[section, ...issue.path].join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid search sink config:\n  ${problems.join('\n  ')}`);
}

/** Secrets of a config, read from the environment or files. */
export interface SearchSecrets {
  readonly password?: string;
  readonly apiKey?: string;
  readonly ca?: string;
}

/** Reads the secrets a config names; a ConfigError names the field when one is missing. */
export function resolveSearchSecrets(
  config: SearchSinkConfig,
  environment: SecretEnvironment,
  section = 'sinks.elasticsearch',
): SearchSecrets {
  const auth = config.auth;
  return {
    ...(auth.kind === 'basic' ? { password: readSecret(auth.password, `${section}.auth.password`, environment) } : {}),
    ...(auth.kind === 'apiKey' ? { apiKey: readSecret(auth.apiKey, `${section}.auth.apiKey`, environment) } : {}),
    ...(config.tls?.ca ? { ca: readSecret(config.tls.ca, `${section}.tls.ca`, environment, 'pem') } : {}),
  };
}
