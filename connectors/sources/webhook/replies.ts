/**
 * Every refusal the receiver answers, in one place, so the bodies stay uniform:
 * `{ "error": <reason>, "message": <text> }`, plus `errors` (field errors) on 400. A 401 says
 * nothing but `{ "error": "unauthorized" }`.
 */
import type { FastifyReply } from 'fastify';
import type { FieldError } from './field-errors.js';
import type { RejectionReason, WebhookMetrics } from './metrics.js';

const STATUS: Readonly<Record<RejectionReason, number>> = {
  unauthorized: 401,
  invalid_json: 400,
  invalid_payload: 400,
  bad_request: 400,
  payload_too_large: 413,
  too_many_records: 413,
  record_rejected_by_log: 413,
  unsupported_media_type: 415,
  backpressure: 503,
  log_unavailable: 503,
};

const MESSAGE: Readonly<Record<RejectionReason, string | undefined>> = {
  unauthorized: undefined,
  invalid_json: 'The body is not valid JSON.',
  invalid_payload: 'The payload does not match the expected shape; see errors.',
  bad_request: 'The request is malformed.',
  payload_too_large: 'The body is larger than the receiver accepts.',
  too_many_records: 'The batch holds more records than the receiver accepts; split it.',
  record_rejected_by_log: 'The event log refused a record of this request (too large for its topic).',
  unsupported_media_type: 'Send the body as application/json.',
  backpressure: 'The receiver is at capacity; retry after the given delay.',
  log_unavailable: 'The event log is unavailable; nothing was accepted. Retry after the given delay.',
};

/** Retry-After (seconds) of the 503 reasons. */
export interface RetryDelays {
  readonly backpressure: number;
  readonly log: number;
}

/** Sends a refusal and counts it. */
export function refuse(
  reply: FastifyReply,
  metrics: WebhookMetrics,
  delays: RetryDelays,
  reason: RejectionReason,
  details: { readonly message?: string; readonly errors?: readonly FieldError[] } = {},
): FastifyReply {
  metrics.rejected.inc({ route: routeOf(reply), reason });
  const status = STATUS[reason];
  if (reason === 'backpressure') reply.header('retry-after', String(delays.backpressure));
  if (reason === 'log_unavailable') reply.header('retry-after', String(delays.log));
  const message = details.message ?? MESSAGE[reason];
  const body =
    message === undefined
      ? { error: reason }
      : { error: reason, message, ...(details.errors ? { errors: details.errors } : {}) };
  return reply.code(status).send(body);
}

/** The registered path of the reply's route (a bounded label), or `unmatched`. */
export function routeOf(reply: FastifyReply): string {
  return reply.request.routeOptions.url ?? 'unmatched';
}
