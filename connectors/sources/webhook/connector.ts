/**
 * `createWebhookSource`: the webhook receiver's lifecycle. The config is validated and its secrets
 * read at once (ConfigError naming the field); `start` binds the topic schemas, probes the log and
 * listens (the producer opens on first use, so a receiver started while the log is down answers
 * 503 until it is back, rather than failing to start); `stop` stops taking requests, lets the ones
 * in flight finish, then closes the producer. The log and serde belong to the caller and stay open.
 */
import { readFileSync } from 'node:fs';
import { PipelineError } from '../../../pipeline/errors/index.js';
import type { EventLog } from '../../../pipeline/log/contract.js';
import { bindTopic, type AvroSerde } from '../../../pipeline/serde/index.js';
import { silentLogger, type Logger } from '../../../pipeline/telemetry/logger.js';
import { createMetricsRegistry, type Registry } from '../../../pipeline/telemetry/metrics.js';
import { parseWebhookSourceConfig, type WebhookSourceConfigInput } from './config.js';
import { eventsRoute } from './events-route.js';
import { executionsRoute } from './executions-route.js';
import { webhookMetrics } from './metrics.js';
import { createLogReadiness } from './readiness.js';
import { resolveSecrets } from './secrets.js';
import { buildServer, type ReceiverServer } from './server.js';
import { createLazyProducer, createLogWriter } from './writer.js';

/** What the receiver takes from its surroundings. */
export interface WebhookSourceDeps {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  /** Default: silent. */
  readonly logger?: Logger;
  /** Process registry the metrics go to (default: a private one). */
  readonly metrics?: Registry;
  /** Epoch-ms clock for signature tolerance, dedupe windows and `receivedAt`/`ingestedAt` (default `Date.now`). */
  readonly clock?: () => number;
  /** Environment secrets are read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads secret files (default `fs.readFileSync(path, 'utf8')`). */
  readonly readFile?: (path: string) => string;
}

/** A running (or startable) receiver. */
export interface WebhookSource {
  /** Listens; resolves with the base URL (`http://host:port`). */
  start(): Promise<{ url: string }>;
  /** Stops listening, waits for requests in flight, closes the producer. */
  stop(): Promise<void>;
}

const component = 'source.webhook';

/** Creates the receiver; nothing listens until `start`. */
export function createWebhookSource(config: WebhookSourceConfigInput, deps: WebhookSourceDeps): WebhookSource {
  const settings = parseWebhookSourceConfig(config);
  const secrets = resolveSecrets(settings, {
    env: deps.env ?? process.env,
    readFile: deps.readFile ?? ((path) => readFileSync(path, 'utf8')),
  });
  const logger = (deps.logger ?? silentLogger).child({ component });
  const metrics = webhookMetrics(deps.metrics ?? createMetricsRegistry());
  const clock = deps.clock ?? Date.now;
  const delays = { backpressure: settings.backpressure.retryAfterSeconds, log: settings.log.retryAfterSeconds };
  const writesRaw = settings.events !== undefined || settings.executions?.keepRaw === true;
  const topics = [
    ...(settings.executions ? [settings.topics.executions] : []),
    ...(writesRaw ? [settings.topics.webhookRaw] : []),
  ];
  const readiness = createLogReadiness({
    log: deps.log,
    topics,
    probeIntervalMs: settings.log.probeIntervalMs,
    probeTimeoutMs: settings.log.probeTimeoutMs,
    logger,
  });

  let server: ReceiverServer | undefined;
  const producer = createLazyProducer(deps.log);
  let state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  const start = async (): Promise<{ url: string }> => {
    if (state !== 'new') throw new PipelineError(`The webhook receiver cannot start: it is ${state}.`, { component });
    state = 'starting';
    try {
      const rawSerde = writesRaw ? await bindTopic(deps.serde, settings.topics.webhookRaw, 'webhook-event') : undefined;
      const executionSerde = settings.executions
        ? await bindTopic(deps.serde, settings.topics.executions, 'scenario-execution')
        : undefined;
      const writer = createLogWriter({
        producer: () => producer.get(),
        readiness,
        sendTimeoutMs: settings.log.sendTimeoutMs,
        lingerMs: settings.log.lingerMs,
        maxGroupRecords: settings.log.maxGroupRecords,
        maxSendsInFlight: settings.log.maxSendsInFlight,
        metrics,
        logger,
        componentName: component,
      });
      const shared = { writer, readiness, metrics, delays, clock };
      server = buildServer({
        bodyLimitBytes: settings.bodyLimitBytes,
        requestTimeoutMs: settings.requestTimeoutMs,
        maxInFlightRequests: settings.backpressure.maxInFlightRequests,
        maxInFlightBytes: settings.backpressure.maxInFlightBytes,
        events:
          settings.events && rawSerde
            ? eventsRoute({
                ...shared,
                config: settings.events,
                keys: secrets.eventKeys,
                topic: settings.topics.webhookRaw,
                serde: rawSerde,
                logger,
              })
            : undefined,
        executions:
          settings.executions && executionSerde
            ? executionsRoute({
                ...shared,
                config: settings.executions,
                senders: secrets.senders,
                topics: settings.topics,
                executionSerde,
                rawSerde,
              })
            : undefined,
        readiness,
        metrics,
        delays,
        logger,
      });
      await producer
        .get()
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'Cannot open a producer yet; retrying on the next request.'),
        );
      if (!(await readiness.probe())) {
        logger.warn(
          { reason: readiness.reason },
          'Starting while the event log is unavailable; answering 503 until it is back.',
        );
      }
      readiness.start();
      const { port } = await server.listen(settings.listen.host, settings.listen.port);
      const host = settings.listen.host.includes(':') ? `[${settings.listen.host}]` : settings.listen.host;
      const url = `http://${host}:${port}`;
      state = 'running';
      logger.info(
        { url, events: settings.events !== undefined, executions: settings.executions !== undefined },
        'Webhook receiver listening.',
      );
      return { url };
    } catch (error) {
      await shutdown();
      throw error;
    }
  };

  const shutdown = async (): Promise<void> => {
    state = 'stopped';
    readiness.stop();
    // close() stops accepting, answers new requests 503 and waits for those in flight.
    await server?.close();
    await producer.close();
    server = undefined;
  };

  return {
    start,
    async stop() {
      if (state === 'stopped') return;
      await shutdown();
      logger.info('Webhook receiver stopped.');
    },
  };
}
