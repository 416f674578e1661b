/**
 * `POST /v1/events/make`: Make event-subscription deliveries. Order of checks: the log is up (503),
 * the Standard Webhooks signature and timestamp (401), a recently accepted Webhook-Id (202 without
 * writing), JSON (400), the envelope (400); then the delivery is written to the raw webhook topic
 * and answered 202. Unknown event types are kept like known ones, counted and logged.
 */
import type { TopicSerde } from '../../../pipeline/serde/index.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import type { WebhookEvent } from '../../../schemas/generated/types.js';
import type { EventsConfig } from './config.js';
import { createDeliveryDeduplicator } from './dedupe.js';
import { keptHeaders, parseEnvelope, webhookEventRecord } from './envelope.js';
import type { IngestHandler } from './http.js';
import type { WebhookMetrics } from './metrics.js';
import type { LogReadiness } from './readiness.js';
import { refuse, type RetryDelays } from './replies.js';
import { createSignatureVerifier } from './signature.js';
import type { LogWriter } from './writer.js';

/** What the route needs. */
export interface EventsRouteDeps {
  readonly config: EventsConfig;
  /** Decoded signing keys. */
  readonly keys: readonly Buffer[];
  readonly topic: string;
  readonly serde: TopicSerde<WebhookEvent>;
  readonly writer: LogWriter;
  readonly readiness: LogReadiness;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly delays: RetryDelays;
  readonly clock: () => number;
}

/** Most distinct unknown types logged (each once); later ones are only counted. */
const MAX_LOGGED_UNKNOWN_TYPES = 100;

/** The route handler. */
export function eventsRoute(deps: EventsRouteDeps): IngestHandler {
  const { config, topic, serde, writer, readiness, metrics, logger, delays, clock } = deps;
  const verifier = createSignatureVerifier({ keys: deps.keys, toleranceSeconds: config.toleranceSeconds, clock });
  const deduplicator = createDeliveryDeduplicator({ ...config.dedupe, clock });
  const knownTypes = new Set(config.knownTypes);
  const loggedUnknownTypes = new Set<string>();
  // Deliveries being written, by Webhook-Id: a concurrent duplicate waits for the first one's outcome.
  const writing = new Map<string, Promise<boolean>>();
  const component = { component: 'source.webhook' };
  const received = metrics.component.received.labels(component);
  const eventsByKnown = {
    true: metrics.events.labels({ known: 'true' }),
    false: metrics.events.labels({ known: 'false' }),
  };

  const isDuplicate = async (webhookId: string): Promise<boolean> => {
    if (deduplicator.has(webhookId)) return true;
    const pending = writing.get(webhookId);
    return pending ? pending : false;
  };

  const route = '/v1/events/make';
  return async (request) => {
    if (!readiness.ready) return refuse(route, metrics, delays, 'log_unavailable');
    const body = request.body;
    const verdict = verifier.verify(body, request.headers);
    if (!verdict.ok) {
      metrics.signatureFailures.inc({ reason: verdict.reason });
      logger.debug({ reason: verdict.reason, ip: request.ip }, 'Refused an event delivery: signature not verified.');
      return refuse(route, metrics, delays, 'unauthorized');
    }
    const { webhookId } = verdict;
    const receivedAt = clock();
    const facts = {
      source: config.source,
      zone: config.zone,
      webhookId,
      webhookTimestampSeconds: verdict.timestampSeconds,
      receivedAt,
      verification: 'STANDARD_WEBHOOKS_V1' as const,
      headers: keptHeaders(request.headers),
      body,
    };

    if (await isDuplicate(webhookId)) {
      metrics.duplicates.inc();
      metrics.component.discarded.inc({ ...component, reason: 'duplicate' });
      const eventId = webhookEventRecord(facts, undefined).eventId;
      return { status: 202, body: { status: 'duplicate', webhookId, eventId } };
    }

    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(route, metrics, delays, 'invalid_json');
    }
    const parsed = parseEnvelope(json);
    if (!parsed.ok) return refuse(route, metrics, delays, 'invalid_payload', { errors: parsed.errors });

    received.inc();
    const record = webhookEventRecord(facts, parsed.envelope);
    const write = writer.write([
      {
        topic,
        records: [
          {
            key: config.source,
            value: serde.encode(record),
            timestamp: receivedAt,
            headers: { 'event-id': record.eventId },
          },
        ],
      },
    ]);
    const written = write.then((outcome) => outcome.ok);
    writing.set(webhookId, written);
    const outcome = await write.finally(() => {
      if (writing.get(webhookId) === written) writing.delete(webhookId);
    });
    if (!outcome.ok) {
      return refuse(
        route,
        metrics,
        delays,
        outcome.kind === 'record_rejected' ? 'record_rejected_by_log' : 'log_unavailable',
      );
    }

    deduplicator.remember(webhookId);
    const type = parsed.envelope.type;
    const known = knownTypes.has(type);
    eventsByKnown[known ? 'true' : 'false'].inc();
    if (!known && loggedUnknownTypes.size < MAX_LOGGED_UNKNOWN_TYPES && !loggedUnknownTypes.has(type)) {
      loggedUnknownTypes.add(type);
      logger.warn(
        { type, version: parsed.envelope.version },
        'Received an event type not in events.knownTypes; kept as WebhookEvent.',
      );
    }
    return { status: 202, body: { status: 'accepted', webhookId, eventId: record.eventId, type, knownType: known } };
  };
}
