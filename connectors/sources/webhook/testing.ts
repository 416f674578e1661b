/**
 * Test support (also used by the benchmark): signed requests, execution reports, a log whose
 * reachability a test switches off, and reading back what the receiver wrote.
 */
import { createHmac } from 'node:crypto';
import { RetriableError } from '../../../pipeline/errors/index.js';
import type { EventLog, LogRecord } from '../../../pipeline/log/contract.js';
import type { AvroSerde } from '../../../pipeline/serde/index.js';
import { createMetricsRegistry, type Registry } from '../../../pipeline/telemetry/metrics.js';
import { topicCatalogue } from '../../../pipeline/topics.js';
import { createWebhookSource, type WebhookSource, type WebhookSourceDeps } from './connector.js';
import { signStandardWebhook } from './signature.js';

/** A `whsec_` secret of 32 fixed bytes, and its key. */
export const eventSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
export const eventKey = Buffer.alloc(32, 7);
/** A bearer token and an HMAC key for execution senders. */
export const bearerToken = 'test-bearer-token-0123456789';
export const hmacSecret = 'test-hmac-secret-0123456789';

/** Environment holding the secrets above, for `deps.env`. */
export const secretEnvironment = {
  MAKE_EVENTS_SECRET: eventSecret,
  PUSH_TOKEN: bearerToken,
  PUSH_HMAC: hmacSecret,
};

/** A receiver config with both routes, secrets from {@link secretEnvironment}. */
export function receiverConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    events: { zone: 'eu1.make.com', secrets: [{ env: 'MAKE_EVENTS_SECRET' }] },
    executions: {
      sources: [
        { name: 'eu1-bearer', zone: 'eu1.make.com', auth: { kind: 'bearer', tokens: [{ env: 'PUSH_TOKEN' }] } },
        { name: 'us1-hmac', zone: 'us1.make.com', auth: { kind: 'hmac-sha256', secrets: [{ env: 'PUSH_HMAC' }] } },
      ],
    },
    ...overrides,
  };
}

/** Headers of a signed event delivery. */
export function signedEventHeaders(
  body: string,
  options: { id?: string; timestampSeconds?: number; key?: Buffer } = {},
): Record<string, string> {
  const id = options.id ?? 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(options.key ?? eventKey, id, timestamp, body),
    'webhook-topic': 'scenario.created',
  };
}

/** An event envelope as Make sends it. */
export function eventBody(
  type = 'scenario.created',
  data: Record<string, unknown> = { scenario_id: 90421, team_id: 9001, organization_id: 4711, user_id: 1 },
): string {
  return JSON.stringify({ type, timestamp: '2026-01-01T00:15:41.512Z', version: 1, data });
}

/** The `X-Makestream-Signature` value (hex) of `body`. */
export function hmacHeader(body: string, secret = hmacSecret): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A valid execution report in the schema's JSON form, with only the required fields. */
export function executionReport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scenarioId: 90421,
    executionId: '5f0c2b7e9d8a4c61b3e2a9d07f4c1e88',
    status: 'ERROR',
    timestamp: Date.parse('2026-01-01T00:15:41.512Z'),
    duration: 2841,
    operations: 7,
    transfer: 18342,
    organizationId: 4711,
    teamId: 9001,
    ...overrides,
  };
}

/** A log whose sends and probes fail (retriably) while `down` is true; everything else is `log`'s. */
export interface SwitchableLog extends EventLog {
  down: boolean;
  /** Sends that reached the real log. */
  readonly sends: number;
  /** Sends the receiver started, held ones included. */
  readonly attempts: number;
  /** Holds every send until {@link SwitchableLog.resume} (a slow log). */
  pause(): void;
  resume(): void;
}

/** Wraps `log` (a hand-made fake around a real log, as house style prefers over mocks). */
export function switchableLog(log: EventLog): SwitchableLog {
  const unavailable = (): RetriableError =>
    new RetriableError('The log is unreachable (test switch).', { stage: 'log' });
  let sends = 0;
  let attempts = 0;
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const wrapper: SwitchableLog = {
    down: false,
    get sends() {
      return sends;
    },
    get attempts() {
      return attempts;
    },
    pause() {
      let open = (): void => undefined;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    resume() {
      gate?.open();
      gate = undefined;
    },
    backend: log.backend,
    createTopics: (topics) => log.createTopics(topics),
    listTopics: () => log.listTopics(),
    describeTopic: async (topic) => {
      if (wrapper.down) throw unavailable();
      return log.describeTopic(topic);
    },
    deleteTopics: (topics) => log.deleteTopics(topics),
    producer: async () => {
      const producer = await log.producer();
      return {
        send: async (topic, records) => {
          attempts += 1;
          if (gate) await gate.promise;
          if (wrapper.down) throw unavailable();
          sends += 1;
          return producer.send(topic, records);
        },
        close: () => producer.close(),
      };
    },
    transactionalProducer: (id) => log.transactionalProducer(id),
    consumer: (options) => log.consumer(options),
    offsetsForTimestamp: (topic, timestamp) => log.offsetsForTimestamp(topic, timestamp),
    endOffsets: (topic) => log.endOffsets(topic),
    lag: (group, topic) => log.lag(group, topic),
    close: () => log.close(),
  };
  return wrapper;
}

/** Every record of `topic`, decoded (reads from the start with a fresh group until `expected` are in, or `timeoutMs` pass). */
export async function readTopic<T>(
  log: EventLog,
  serde: AvroSerde,
  topic: string,
  expected: number,
  timeoutMs = 5000,
): Promise<(LogRecord & { decoded: T })[]> {
  const consumer = await log.consumer({
    groupId: `read-${topic}-${Math.random().toString(36).slice(2)}`,
    topics: [topic],
  });
  const found: (LogRecord & { decoded: T })[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      for (const record of await consumer.poll(100)) {
        found.push({ ...record, headers: record.headers, decoded: (await serde.decode(record.value!)) as T });
      }
      if (found.length >= expected) {
        // One more short poll: more than expected would be a bug the test should see.
        for (const record of await consumer.poll(expected === 0 ? 50 : 200))
          found.push({ ...record, headers: record.headers, decoded: (await serde.decode(record.value!)) as T });
        break;
      }
    }
  } finally {
    await consumer.close();
  }
  return found;
}

/** The topics the receiver writes, as the catalogue defines them. */
export const receiverTopics = topicCatalogue.filter(
  (topic) => topic.name === 'make.executions.raw.v1' || topic.name === 'make.webhook.raw.v1',
);

/** A receiver started on `log` for a test, with its metrics registry. */
export interface TestReceiver {
  readonly url: string;
  readonly registry: Registry;
  readonly source: WebhookSource;
  post(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
}

/** Starts a receiver with {@link receiverConfig} (plus `overrides`) and the test secrets. */
export async function startTestReceiver(
  log: EventLog,
  serde: AvroSerde,
  overrides: Record<string, unknown> = {},
  deps: Partial<WebhookSourceDeps> = {},
): Promise<TestReceiver> {
  const registry = createMetricsRegistry();
  const source = createWebhookSource(receiverConfig(overrides), {
    log,
    serde,
    metrics: registry,
    env: secretEnvironment,
    ...deps,
  });
  const { url } = await source.start();
  return {
    url,
    registry,
    source,
    async post(path, body, headers) {
      const response = await fetch(`${url}${path}`, { method: 'POST', body, headers });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    },
  };
}
