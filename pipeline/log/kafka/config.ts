/**
 * The Kafka backend's configuration: a strict zod schema that is also its documentation (one
 * `.describe()` per field). Unknown fields are rejected; errors name the field and say what to do.
 * Secrets (passwords, private keys) are never written inline: they come from an environment
 * variable or a file (see `secretSource`), and are resolved in `connection.ts`.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors/index.js';
import { secretSourceSchema, type SecretSource } from '../../config/secret.js';

/** Topic configs each TopicConfig decides. */
const reservedTopicConfigs = new Set(['retention.ms', 'cleanup.policy', 'max.message.bytes']);

/** librdkafka properties derived from other fields (see rdkafka/properties.ts); overriding them would break guarantees or leak secrets into config. */
const reservedLibrdkafkaProperties = new Set([
  'bootstrap.servers',
  'metadata.broker.list',
  'security.protocol',
  'enable.idempotence',
  'acks',
  'request.required.acks',
  'dr_cb',
  'dr_msg_cb',
  'sasl.mechanisms',
  'sasl.mechanism',
  'sasl.username',
  'sasl.password',
  'ssl.ca.pem',
  'ssl.certificate.pem',
  'ssl.key.pem',
  'ssl.key.password',
  'transactional.id',
]);

const brokerPattern = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

const brokerAddress = z
  .string()
  .regex(brokerPattern, { error: 'must be "host:port", e.g. "kafka-1.internal:9092" or "127.0.0.1:19092"' })
  .refine((address) => {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65_535;
  }, 'port must be between 1 and 65535')
  .describe('A bootstrap broker as host:port.');

/** Where a secret or a PEM document comes from: the shared `{ env } | { file }` source. */
const secretSource = secretSourceSchema;

export type { SecretSource };

const tlsSchema = z
  .strictObject({
    ca: secretSource
      .optional()
      .describe("PEM bundle of the CA(s) that signed the brokers' certificates; default: Node's built-in public CAs."),
    cert: secretSource.optional().describe('PEM client certificate (chain) for mutual TLS; needs `key`.'),
    key: secretSource.optional().describe('PEM private key of the client certificate; needs `cert`.'),
    keyPassphrase: secretSource.optional().describe('Passphrase of an encrypted `key`.'),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe("Host name to check the brokers' certificates against (SNI) when it differs from the address."),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe('Refuse brokers whose certificate does not verify. Turn off only for throwaway local tests.'),
  })
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    error: 'cert and key go together: give both for mutual TLS, or neither',
  })
  .refine((tls) => tls.keyPassphrase === undefined || tls.key !== undefined, {
    error: 'keyPassphrase is only used with key',
  })
  .describe('TLS to the brokers (security.protocol SSL or SASL_SSL). Present: TLS on; absent: plaintext.');

const saslSchema = z
  .strictObject({
    mechanism: z
      .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
      .describe('SASL mechanism the listener enables: plain, scram-sha-256 or scram-sha-512.'),
    username: z.string().min(1).describe('SASL user name.'),
    password: secretSource.describe('SASL password (environment variable or file).'),
  })
  .describe('SASL authentication (security.protocol SASL_SSL with `tls`, SASL_PLAINTEXT without).');

const retrySchema = z
  .strictObject({
    retries: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(5)
      .describe('Retries of a failed request (connection loss, leader change) before the call fails retriably.'),
    initialRetryTimeMs: z.number().int().min(1).default(300).describe('First backoff (ms); it grows with jitter.'),
    maxRetryTimeMs: z.number().int().min(1).default(30_000).describe('Longest single backoff (ms).'),
  })
  .describe('How requests are retried inside the client.');

const producerSchema = z
  .strictObject({
    compression: z
      .enum(['none', 'gzip'])
      .default('none')
      .describe(
        'Record batch compression. gzip is built in; snappy, lz4 and zstd need extra codec packages and are not offered.',
      ),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe(
        'How long a send waits for other sends to share its request (ms). 0: go at once; sends that arrive while a request is in flight still share the next one.',
      ),
    batchMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(1_048_576)
      .describe(
        "Largest record batch per partition in one request (bytes); also capped by the topic's max record size.",
      ),
    requestMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(8_388_608)
      .describe('Largest produce request (bytes, before compression); bigger sends are split into several requests.'),
    transactionTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe('Transactions open longer than this are aborted by the broker (ms).'),
  })
  .describe('Producers: always idempotent with acks=all; batching and compression are tunable.');

const consumerSchema = z
  .strictObject({
    maxWaitMs: z
      .number()
      .int()
      .min(0)
      .max(30_000)
      .default(500)
      .describe(
        'How long the broker holds a fetch open waiting for data (ms); bounds how fast seeks and rebalances take effect.',
      ),
    fetchMaxBytes: z.number().int().min(1024).default(4_194_304).describe('Largest fetch response (bytes).'),
    partitionMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(1_048_576)
      .describe('Largest amount of data per partition in one fetch response (bytes).'),
    bufferMaxRecords: z
      .number()
      .int()
      .min(1)
      .default(2000)
      .describe(
        'Records fetched ahead of poll() per consumer; the fetcher waits (heartbeating) while the buffer is full.',
      ),
    bufferMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(16_777_216)
      .describe('Bytes fetched ahead of poll() per consumer (key + value + headers).'),
    minSessionTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(6000)
      .describe(
        "The brokers' group.min.session.timeout.ms: the broker-side session is never shorter (poll liveness still uses the consumer's sessionTimeoutMs).",
      ),
    rebalanceTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(30_000)
      .describe('How long the coordinator waits for members to rejoin during a rebalance (ms).'),
  })
  .describe('Consumers: how the pull-based poll() is fed from the fetcher.');

/** The Kafka backend's configuration (what users write, before defaults). */
export const kafkaLogConfigSchema = z
  .strictObject({
    client: z
      .enum(['kafkajs', 'librdkafka'])
      .default('kafkajs')
      .describe(
        'Client library of plain producers: kafkajs (pure JavaScript, default) or librdkafka (the optional native package @confluentinc/kafka-javascript; faster produce). Consumers, transactional producers and the admin stay on kafkajs.',
      ),
    librdkafka: z
      .record(
        z.string().regex(/^[a-z][a-z0-9._]*$/, {
          error: 'must be a librdkafka property name, e.g. "queue.buffering.max.kbytes"',
        }),
        z.union([z.string(), z.number(), z.boolean()]),
      )
      .refine((properties) => !Object.keys(properties).some((name) => reservedLibrdkafkaProperties.has(name)), {
        error:
          'bootstrap.servers, security, SASL, TLS, idempotence, acks and the delivery callback come from the other kafka.* fields',
      })
      .default({})
      .describe(
        'Extra librdkafka producer properties when client is librdkafka, e.g. { "queue.buffering.max.kbytes": 65536 } (see librdkafka CONFIGURATION.md).',
      ),
    brokers: z
      .array(brokerAddress)
      .min(1, { error: 'list at least one broker' })
      .describe('Bootstrap brokers as host:port.'),
    clientId: z.string().min(1).default('makestream').describe('Client id the brokers log and apply quotas to.'),
    connectionTimeoutMs: z.number().int().min(1).default(3000).describe('Time to open a connection (ms).'),
    authenticationTimeoutMs: z.number().int().min(1).default(10_000).describe('Time for SASL authentication (ms).'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .describe('Time a request may take before it is retried (ms).'),
    retry: retrySchema.prefault({}),
    tls: tlsSchema.optional(),
    sasl: saslSchema.optional(),
    traceContext: z
      .boolean()
      .default(true)
      .describe('Add the active OpenTelemetry span as a W3C `traceparent` header to records that have none.'),
    replicationFactor: z
      .number()
      .int()
      .min(-1)
      .refine((value) => value !== 0, 'must be ≥ 1, or -1 for the broker default')
      .default(-1)
      .describe("Replication factor of topics this backend creates; -1: the brokers' default.replication.factor."),
    topicConfigs: z
      .record(
        z.string().regex(/^[a-z0-9._]+$/, { error: 'must be a Kafka topic config name, e.g. "min.insync.replicas"' }),
        z.string(),
      )
      .refine((configs) => !Object.keys(configs).some((name) => reservedTopicConfigs.has(name)), {
        error:
          'retention.ms, cleanup.policy and max.message.bytes come from each topic (retentionMs, compacted, maxRecordBytes)',
      })
      .default({})
      .describe(
        'Extra Kafka configs for topics this backend creates, e.g. { "min.insync.replicas": "2" }, or for tests { "segment.ms": "1000" }.',
      ),
    producer: producerSchema.prefault({}),
    consumer: consumerSchema.prefault({}),
  })
  .describe('The Kafka backend of the EventLog.');

/** The Kafka backend's configuration as users write it. */
export type KafkaLogConfigInput = z.input<typeof kafkaLogConfigSchema>;
/** The Kafka backend's configuration with defaults applied. */
export type KafkaLogConfig = z.output<typeof kafkaLogConfigSchema>;

/**
 * Validates `input` and applies defaults. Throws one ConfigError listing every problem as
 * `<prefix>.<field>: <what is wrong>`; secret values never appear in it (they are not in the config).
 */
export function parseKafkaLogConfig(input: unknown, prefix = 'kafka'): KafkaLogConfig {
  const result = kafkaLogConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid Kafka configuration:\n  ${problems.join('\n  ')}`, { component: 'log.kafka' });
}
