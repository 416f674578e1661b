/**
 * The receiver's metrics: the standard component set (pipeline/telemetry/metrics.ts, component
 * `source.webhook`) plus HTTP-level instruments. Label values are bounded: routes are the
 * registered paths, reasons and statuses come from fixed lists, never from request data.
 */
import {
  componentMetrics,
  Counter,
  Gauge,
  Histogram,
  type ComponentMetrics,
  type Registry,
} from '../../../pipeline/telemetry/metrics.js';

/** Why a request was refused. */
export type RejectionReason =
  | 'unauthorized'
  | 'invalid_json'
  | 'invalid_payload'
  | 'payload_too_large'
  | 'too_many_records'
  | 'unsupported_media_type'
  | 'bad_request'
  | 'backpressure'
  | 'log_unavailable'
  | 'record_rejected_by_log';

/** The receiver's instruments. */
export interface WebhookMetrics {
  readonly component: ComponentMetrics;
  /** Answered requests by route and status code. */
  readonly requests: Counter<'route' | 'status'>;
  /** Time from request start to the answer, by route and status code. */
  readonly requestSeconds: Histogram<'route' | 'status'>;
  /** Refused requests by route and reason. */
  readonly rejected: Counter<'route' | 'reason'>;
  /** Records durably written, by topic. */
  readonly produced: Counter<'topic'>;
  /** Standard Webhooks verification failures by reason. */
  readonly signatureFailures: Counter<'reason'>;
  /** Deliveries acknowledged without being written again (same Webhook-Id). */
  readonly duplicates: Counter;
  /** Event-subscription deliveries accepted, by whether their type is known. */
  readonly events: Counter<'known'>;
  /** Requests being handled now. */
  readonly inFlight: Gauge;
}

/** Registers (once per registry) and returns the instruments. */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const existing = registered.get(registry);
  if (existing) return existing;
  const metrics: WebhookMetrics = {
    component: componentMetrics(registry),
    requests: new Counter({
      name: 'makestream_webhook_requests_total',
      help: 'HTTP requests answered by the webhook receiver, by route and status.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'makestream_webhook_request_duration_seconds',
      help: 'Time from request start to answer (for 202: time until the records were durably in the log).',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'makestream_webhook_rejected_requests_total',
      help: 'Requests refused by the webhook receiver, by route and reason.',
      labelNames: ['route', 'reason'],
      registers: [registry],
    }),
    produced: new Counter({
      name: 'makestream_webhook_records_produced_total',
      help: 'Records the webhook receiver wrote durably to the log, by topic.',
      labelNames: ['topic'],
      registers: [registry],
    }),
    signatureFailures: new Counter({
      name: 'makestream_webhook_signature_failures_total',
      help: 'Standard Webhooks signature verification failures, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'makestream_webhook_duplicates_total',
      help: 'Deliveries acknowledged without being written again because their Webhook-Id was seen recently.',
      registers: [registry],
    }),
    events: new Counter({
      name: 'makestream_webhook_events_total',
      help: 'Event-subscription deliveries written, by whether their type is in events.knownTypes.',
      labelNames: ['known'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'makestream_webhook_in_flight_requests',
      help: 'Requests the webhook receiver is handling now.',
      registers: [registry],
    }),
  };
  registered.set(registry, metrics);
  return metrics;
}

const registered = new WeakMap<Registry, WebhookMetrics>();
