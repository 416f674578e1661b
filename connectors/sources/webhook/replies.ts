/**
 * Every refusal the receiver answers, in one place, so the bodies stay uniform:
 * `{ "error": <reason>, "message": <text> }`, plus `errors` (field errors) on 400. A 401 says
 * nothing but `{ "error": "unauthorized" }`.
 */
import type { FieldError } from './field-errors.js';
import type { Answer } from './http.js';
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

/** A refusal of a request to `route` (a bounded label: a registered path or `unmatched`), counted. */
export function refuse(
  route: string,
  metrics: WebhookMetrics,
  delays: RetryDelays,
  reason: RejectionReason,
  details: { readonly message?: string; readonly errors?: readonly FieldError[] } = {},
): Answer {
  metrics.rejected.inc({ route, reason });
  const status = STATUS[reason];
  const headers =
    reason === 'backpressure'
      ? { 'retry-after': String(delays.backpressure) }
      : reason === 'log_unavailable'
        ? { 'retry-after': String(delays.log) }
        : undefined;
  const message = details.message ?? MESSAGE[reason];
  const body =
    message === undefined
      ? { error: reason }
      : { error: reason, message, ...(details.errors ? { errors: details.errors } : {}) };
  return headers ? { status, body, headers } : { status, body };
}
