/**
 * `POST /v1/executions`: execution reports pushed from Make scenarios, one object or an array.
 * Order of checks: the log is up (503), the sender authenticates (401), JSON (400), batch size
 * (413), every report (executions.ts). Valid reports are written to the executions topic keyed by
 * scenarioId; invalid ones are listed. Answers:
 * - all valid: 202 `{ status: "accepted", accepted, rejected: 0, eventIds }`;
 * - some valid: 202 `{ status: "partial", accepted, rejected, eventIds, errors }`, only the valid
 *   ones written (errors carry the batch `index`);
 * - none valid: 400 `{ error: "invalid_payload", message, errors }`, nothing written.
 *
 * Log record timestamps are the receive time, not the execution's `timestamp`: retention deletes by
 * record timestamp, so a report of an old execution stamped with its event time would be deleted at
 * once (seen on Kafka with 7-day retention). Event time stays in the value for processors.
 */
import { createHash } from 'node:crypto';
import type { OutgoingRecord } from '../../../pipeline/log/contract.js';
import type { TopicSerde } from '../../../pipeline/serde/index.js';
import { deferredCounter } from '../../../pipeline/telemetry/deferred.js';
import type { ScenarioExecution, WebhookEvent } from '../../../schemas/generated/types.js';
import type { ExecutionsConfig } from './config.js';
import { keptHeaders, webhookEventRecord } from './envelope.js';
import { executionAvroType, parseReports, reportCount } from './executions.js';
import { createFramedEncoder } from './framing.js';
import type { IngestHandler, IngestRequest } from './http.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { WebhookMetrics } from './metrics.js';
import type { LogReadiness } from './readiness.js';
import { refuse, type RetryDelays } from './replies.js';
import type { ResolvedSender } from './secrets.js';
import { createSenderAuthenticator } from './sender-auth.js';
import type { LogWriter, TopicBatch } from './writer.js';

/** What the route needs. */
export interface ExecutionsRouteDeps {
  readonly config: ExecutionsConfig;
  readonly senders: readonly ResolvedSender[];
  readonly topics: { readonly executions: string; readonly webhookRaw: string };
  readonly executionSerde: TopicSerde<ScenarioExecution>;
  /** Needed only with `keepRaw`. */
  readonly rawSerde: TopicSerde<WebhookEvent> | undefined;
  readonly writer: LogWriter;
  readonly readiness: LogReadiness;
  readonly metrics: WebhookMetrics;
  readonly delays: RetryDelays;
  readonly clock: () => number;
}

/** The route handler. */
export function executionsRoute(deps: ExecutionsRouteDeps): IngestHandler {
  const { config, topics, executionSerde, rawSerde, writer, readiness, metrics, delays, clock } = deps;
  const authenticate = createSenderAuthenticator(deps.senders);
  const component = { component: 'source.webhook' };
  // Summed here, handed to prom-client when read (deferred.ts).
  const received = deferredCounter(metrics.component.received, component);
  // One allocation per request for all its values (framing.ts); checked against the serde's bytes.
  const encodeExecutions = createFramedEncoder(
    executionAvroType,
    executionSerde,
    exampleEvents['com.makestream.v1.ScenarioExecution'],
  );

  const route = '/v1/executions';
  return async (request) => {
    if (!readiness.ready) return refuse(route, metrics, delays, 'log_unavailable');
    const body = request.body;
    const sender = authenticate(request.headers, body);
    if (!sender) return refuse(route, metrics, delays, 'unauthorized');

    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(route, metrics, delays, 'invalid_json');
    }
    if (reportCount(json) > config.maxBatchRecords) {
      return refuse(route, metrics, delays, 'too_many_records', {
        message: `A request may hold at most ${config.maxBatchRecords} records; split the batch.`,
      });
    }
    const receivedAt = clock();
    const reports = parseReports(json, { zone: sender.zone, receivedAt });
    received(reports.count);
    if (reports.records.length === 0)
      return refuse(route, metrics, delays, 'invalid_payload', { errors: reports.errors });
    if (reports.errors.length > 0)
      metrics.component.discarded.inc({ ...component, reason: 'invalid' }, reports.count - reports.records.length);

    const values = encodeExecutions(reports.records);
    const records: OutgoingRecord[] = reports.records.map((record, index) => ({
      key: String(record.scenarioId),
      value: values[index]!,
      timestamp: receivedAt,
      headers: { 'event-id': record.eventId },
    }));
    const batches: TopicBatch[] = [{ topic: topics.executions, records }];
    if (config.keepRaw && rawSerde) {
      const hmacHeader = sender.auth.kind === 'hmac-sha256' ? sender.auth.header : undefined;
      const raw = webhookEventRecord(
        {
          source: sender.name,
          zone: sender.zone,
          webhookId: requestId(request, body),
          webhookTimestampSeconds: null,
          receivedAt,
          verification: 'SHARED_SECRET',
          headers: keptHeaders(request.headers, new Set(hmacHeader ? [hmacHeader] : [])),
          body,
        },
        undefined,
      );
      batches.push({
        topic: topics.webhookRaw,
        records: [
          {
            key: sender.name,
            value: rawSerde.encode(raw),
            timestamp: receivedAt,
            headers: { 'event-id': raw.eventId },
          },
        ],
      });
    }

    const outcome = await writer.write(batches);
    if (!outcome.ok) {
      return refuse(
        route,
        metrics,
        delays,
        outcome.kind === 'record_rejected' ? 'record_rejected_by_log' : 'log_unavailable',
      );
    }
    const eventIds = reports.records.map((record) => record.eventId);
    const rejected = reports.count - reports.records.length;
    return {
      status: 202,
      body:
        rejected === 0
          ? { status: 'accepted', accepted: eventIds.length, rejected: 0, eventIds }
          : { status: 'partial', accepted: eventIds.length, rejected, eventIds, errors: reports.errors },
    };
  };
}

/** The sender's own delivery id (`Webhook-Id` or `Idempotency-Key`), else a digest of the body: resends get the same id. */
function requestId(request: IngestRequest, body: Buffer): string {
  const given = request.headers['webhook-id'] ?? request.headers['idempotency-key'];
  if (typeof given === 'string' && given.trim() !== '') return given;
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}
