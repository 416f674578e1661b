/**
 * Configuration of the webhook receiver: a strict zod schema that is also its documentation (one
 * `.describe()` per field, mirrored in docs/configuration.md). Unknown fields are rejected. Secrets
 * are never written inline: each names an environment variable or a file, read at start
 * (`secrets.ts`), and never logged.
 */
import { z } from 'zod';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { secretSourceSchema, type SecretSource } from '../../../pipeline/config/secret.js';

export { secretSourceSchema, type SecretSource };

const secretList = z.array(secretSourceSchema).min(1, { error: 'list at least one secret' });

const sourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'letters, digits, ".", "_" and "-", at most 100 characters' });

const zone = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/, { error: 'a Make zone host name, e.g. "eu1.make.com"' });

const eventsSchema = z.strictObject({
  source: sourceName
    .default('make-events')
    .describe(
      'Name of this endpoint: the key and `source` of its records in the raw webhook topic, and part of their event ids.',
    ),
  zone: zone.optional().describe('Make zone the subscription belongs to, written into each record (`zone`).'),
  secrets: secretList.describe(
    'Signing secrets of the event subscription(s) (`whsec_…`, base64 after the prefix). Several are tried in turn: list the old and the new secret while rotating.',
  ),
  toleranceSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(300)
    .describe(
      'Largest difference between `Webhook-Timestamp` and the receiver clock, both ways (seconds); older or newer deliveries are refused (401).',
    ),
  knownTypes: z
    .array(z.string().min(1))
    .default(['scenario.created'])
    .describe(
      'Event types this version expects. Others are still kept (as WebhookEvent) but counted as unknown and logged once per type.',
    ),
  dedupe: z
    .strictObject({
      ttlMs: z
        .number()
        .int()
        .min(1000)
        .default(3_600_000)
        .describe(
          'How long an accepted `Webhook-Id` is remembered (ms); a delivery with that id is acknowledged without being written again. Keep it ≥ toleranceSeconds.',
        ),
      maxEntries: z
        .number()
        .int()
        .min(1)
        .default(100_000)
        .describe('Most ids remembered; the oldest are forgotten first (about 100 bytes each).'),
    })
    .prefault({})
    .describe('In-memory duplicate detection on `Webhook-Id`. Later duplicates still carry the same event id.'),
});

const hmacAuth = z
  .strictObject({
    kind: z.literal('hmac-sha256').describe('HMAC-SHA256 of the raw request body, keyed with the secret.'),
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .default('x-makestream-signature')
      .describe('Request header that carries the HMAC (`sha256=<digest>` or the bare digest).'),
    encoding: z.enum(['hex', 'base64']).default('hex').describe('How the digest is written in the header.'),
    secrets: secretList.describe('HMAC keys (the text as UTF-8 bytes). Several are tried in turn, for rotation.'),
  })
  .describe('Authenticate by an HMAC of the body.');

const bearerAuth = z
  .strictObject({
    kind: z.literal('bearer').describe('`Authorization: Bearer <token>`.'),
    tokens: secretList.describe('Accepted tokens. Several are tried in turn, for rotation.'),
  })
  .describe('Authenticate by a bearer token.');

const executionSource = z
  .strictObject({
    name: sourceName.describe('Name of this sender, used in metrics, logs and (with keepRaw) the raw webhook topic.'),
    zone: zone
      .optional()
      .describe('Make zone of this sender; records without `zone` get it. Without it, every record must carry `zone`.'),
    auth: z
      .discriminatedUnion('kind', [hmacAuth, bearerAuth])
      .describe('How requests of this sender are authenticated: `hmac-sha256` or `bearer`.'),
  })
  .describe('One sender of execution reports (e.g. the error-handler routes of one Make organization).');

const executionsSchema = z.strictObject({
  sources: z
    .array(executionSource)
    .min(1, { error: 'list at least one sender' })
    .refine((sources) => new Set(sources.map((source) => source.name)).size === sources.length, {
      error: 'sender names must be unique',
    })
    .describe('Senders allowed to push; a request is accepted when it authenticates as one of them.'),
  maxBatchRecords: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('Most records in one request; larger batches are refused (413).'),
  keepRaw: z
    .boolean()
    .default(false)
    .describe(
      'Also write each accepted request body as a WebhookEvent (verification SHARED_SECRET) to the raw webhook topic, for forensics.',
    ),
});

/** The webhook receiver's configuration as users write it. */
export const webhookSourceConfigSchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('Address to listen on; `0.0.0.0` for every interface.'),
        port: z.number().int().min(0).max(65_535).default(8088).describe('TCP port; 0 picks a free one.'),
      })
      .prefault({})
      .describe('Where the HTTP server listens (plain HTTP: put TLS in front of it, Make only delivers to https).'),
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(16_777_216)
      .default(524_288)
      .describe(
        "Largest request body (bytes); larger ones are refused (413). Keep it below the topics' maxRecordBytes.",
      ),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(30_000)
      .describe('Time a client has to send a whole request (ms).'),
    events: eventsSchema
      .optional()
      .describe(
        '`POST /v1/events/make`: Make event subscriptions, verified as Standard Webhooks. Absent: the route answers 404.',
      ),
    executions: executionsSchema
      .optional()
      .describe('`POST /v1/executions`: execution reports pushed from Make scenarios. Absent: the route answers 404.'),
    topics: z
      .strictObject({
        executions: z.string().min(1).default('make.executions.raw.v1').describe('Topic of ScenarioExecution records.'),
        webhookRaw: z
          .string()
          .min(1)
          .default('make.webhook.raw.v1')
          .describe('Topic of WebhookEvent records (verified raw deliveries).'),
      })
      .prefault({})
      .describe('Topics written to; they must exist (`makestream topics ensure`).'),
    backpressure: z
      .strictObject({
        maxInFlightRequests: z
          .number()
          .int()
          .min(1)
          .default(2048)
          .describe('Requests being handled at once (received, not yet answered); more are refused with 503.'),
        maxInFlightBytes: z
          .number()
          .int()
          .min(1024)
          .default(67_108_864)
          .describe(
            'Sum of the Content-Length of the requests being handled; more are refused with 503 before their body is read.',
          ),
        retryAfterSeconds: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe('`Retry-After` of a 503 caused by backpressure (seconds).'),
      })
      .prefault({})
      .describe('Load shedding: refuse early (503 + Retry-After) rather than queue without bound.'),
    log: z
      .strictObject({
        sendTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(10_000)
          .describe(
            "Longest wait for the log to acknowledge the shared send holding a request's records (ms, counted from the send, after the linger); then 503. The records may still land: senders retry, event ids match.",
          ),
        lingerMs: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .default(2)
          .describe(
            "How long a request's records wait for other requests' before they go to the log in one shared send (ms); 0: only requests handled in the same event-loop turn. Adds at most this to the time to 202.",
          ),
        maxGroupRecords: z
          .number()
          .int()
          .min(1)
          .default(5000)
          .describe(
            'Records waiting for a shared send that end the linger at once; also the most records in one send.',
          ),
        maxSendsInFlight: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe(
            'Shared sends the log has not acknowledged yet, beyond which due groups wait for one to settle and then go out with what arrived meanwhile (larger groups when the log is slow: fewer Kafka produce requests); 0: no limit.',
          ),
        retryAfterSeconds: z
          .number()
          .int()
          .min(1)
          .default(5)
          .describe('`Retry-After` of a 503 caused by the log (seconds).'),
        probeIntervalMs: z
          .number()
          .int()
          .min(100)
          .default(2000)
          .describe(
            'How often the log is probed (describe the topics) for `/readyz` and for recovering after a failure (ms).',
          ),
        probeTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(2000)
          .describe('A probe slower than this counts as a failure (ms).'),
      })
      .prefault({})
      .describe('How the receiver waits for, and watches, the event log.'),
  })
  .refine((config) => config.events !== undefined || config.executions !== undefined, {
    error: 'configure at least one of `events` or `executions`',
  })
  .describe('The webhook receiver (connectors/sources/webhook).');

/** The configuration as users write it. */
export type WebhookSourceConfigInput = z.input<typeof webhookSourceConfigSchema>;
/** The configuration with defaults applied. */
export type WebhookSourceConfig = z.output<typeof webhookSourceConfigSchema>;
/** The `events` section with defaults applied. */
export type EventsConfig = NonNullable<WebhookSourceConfig['events']>;
/** The `executions` section with defaults applied. */
export type ExecutionsConfig = NonNullable<WebhookSourceConfig['executions']>;

/**
 * Validates `input` and applies defaults. Throws one ConfigError listing every problem as
 * `<prefix>.<field>: <what is wrong>`; secret values never appear (they are not in the config).
 */
export function parseWebhookSourceConfig(input: unknown, prefix = 'sources.webhook'): WebhookSourceConfig {
  const result = webhookSourceConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid webhook receiver configuration:\n  ${problems.join('\n  ')}`, {
    component: 'source.webhook',
  });
}
