/**
 * The Splunk HEC sink: EnrichedLog records as `/services/collector/event` envelopes (ECS-shaped
 * `event`, index-time `fields`), batched within the request limits. Per-item outcome: an event the
 * receiver names as invalid (code 6 + `invalid-event-number`) or that alone is rejected as bad data
 * or too large fails alone (permanent, to the DLQ); the rest is resent. Overload, 5xx and transport
 * errors fail the whole write as retriable. With indexer acknowledgement on, `write` resolves only
 * after every ackId is true; requests whose ack times out are sent again (at least once).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { readSecret, type SecretEnvironment } from '../../../pipeline/config/secret.js';
import { PipelineError, RetriableError } from '../../../pipeline/errors/index.js';
import { avroTopic } from '../../../pipeline/runtime/api.js';
import type { SinkBatch, SinkConnector, SinkWriteResult } from '../../../pipeline/sink/api.js';
import { fetchSender, type HttpSend } from '../../../pipeline/sink/http.js';
import {
  bisect,
  buildEntries,
  chunkEntries,
  itemFailures,
  without,
  type RequestChunk,
} from '../../../pipeline/sink/requests.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { createAckWaiter } from './ack.js';
import { splunkHecSinkConfigSchema, type SplunkHecSinkConfigInput } from './config.js';
import { chunkBody, hecEnvelope } from './envelope.js';
import { classifyHecResponse, parseHecReply } from './responses.js';

const component = 'sink.splunk-hec';

/** Dependencies of {@link createSplunkHecSink}; all but `environment` have real defaults. */
export interface SplunkHecSinkDependencies {
  /** Where the token is read from (process env and files). */
  readonly environment: SecretEnvironment;
  readonly send?: HttpSend;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Channel GUID generator (indexer acknowledgement). */
  readonly newChannel?: () => string;
}

/** Creates the sink for one HEC destination. */
export function createSplunkHecSink(
  input: SplunkHecSinkConfigInput,
  dependencies: SplunkHecSinkDependencies,
): SinkConnector<EnrichedLog> {
  const config = splunkHecSinkConfigSchema.parse(input);
  const token = readSecret(config.token, `sinks.splunkHec.token`, dependencies.environment);
  const send = dependencies.send ?? fetchSender(component, config.requestTimeoutMs);
  const base = config.url.replace(/\/+$/, '');
  const channel = (dependencies.newChannel ?? randomUUID)();
  const headers: Record<string, string> = {
    authorization: `Splunk ${token}`,
    'content-type': 'application/json',
    ...(config.ack.enabled ? { 'x-splunk-request-channel': channel } : {}),
  };
  const waitForAcks = createAckWaiter({
    pollIntervalMs: config.ack.pollIntervalMs,
    timeoutMs: config.ack.timeoutMs,
    now: dependencies.now ?? Date.now,
    sleep: dependencies.sleep ?? ((ms) => delay(ms).then(() => undefined)),
    async query(ackIds) {
      const reply = await send({
        method: 'POST',
        url: `${base}/services/collector/ack?channel=${channel}`,
        headers,
        body: JSON.stringify({ acks: ackIds }),
      });
      if (reply.status !== 200) throw new RetriableError(`ack query answered HTTP ${reply.status}`);
      return (parseHecReply(reply.body) as { acks?: Record<string, boolean> }).acks ?? {};
    },
  });

  async function write(batch: SinkBatch<EnrichedLog>): Promise<SinkWriteResult> {
    const failures = itemFailures(component);
    const entries = buildEntries(batch, failures, 'a HEC event', (value) => hecEnvelope(value, config));
    const awaitingAck = new Map<number, RequestChunk>();

    const sendChunk = async (chunk: RequestChunk): Promise<void> => {
      if (chunk.entries.length === 0) return;
      const reply = await send({
        method: 'POST',
        url: `${base}/services/collector/event`,
        headers,
        body: chunkBody(chunk),
      });
      const outcome = classifyHecResponse(reply.status, parseHecReply(reply.body));
      const rejected = (position: number, reason: string): void =>
        failures.fail(position, `HEC rejected event ${batch.items[position]!.eventId}: ${reason}`);
      switch (outcome.kind) {
        case 'ok':
          if (!config.ack.enabled) return;
          if (outcome.ackId === undefined) {
            throw new PipelineError(
              `${base} gave no ackId although sinks.splunkHec.ack.enabled is true: enable indexer acknowledgement on the token or turn ack off`,
              { component, stage: 'config' },
            );
          }
          awaitingAck.set(outcome.ackId, chunk);
          return;
        case 'retriable':
          throw new RetriableError(`HEC ${base} is unavailable: ${outcome.reason}`, { component, stage: 'sending' });
        case 'invalid-event':
          if (outcome.index < chunk.entries.length) {
            rejected(chunk.positions[outcome.index]!, outcome.reason);
            return sendChunk(without(chunk, outcome.index));
          }
          break;
        case 'config':
          throw new PipelineError(
            `HEC ${base} refused the request: ${outcome.reason}; check sinks.splunkHec token, index and ack settings`,
            { component, stage: 'sending' },
          );
        default:
          break;
      }
      // too-large, bad-data, or an invalid-event number out of range: bisect down to the culprit.
      return bisect(chunk, sendChunk, (position) => rejected(position, outcome.reason));
    };

    for (const chunk of chunkEntries(entries, config.maxRequestBytes, config.maxRequestEvents)) {
      await sendChunk(chunk);
    }
    for (let resends = 0; awaitingAck.size > 0; resends += 1) {
      const { acknowledged, timedOut } = await waitForAcks([...awaitingAck.keys()]);
      for (const id of acknowledged) awaitingAck.delete(id);
      if (timedOut.length === 0) break;
      if (resends >= config.ack.maxResends) {
        throw new RetriableError(
          `HEC ${base}: ackIds ${timedOut.join(',')} not acknowledged within ${config.ack.timeoutMs} ms after ${resends} resends`,
          { component, stage: 'sending' },
        );
      }
      const again = timedOut.map((id) => awaitingAck.get(id)!);
      for (const id of timedOut) awaitingAck.delete(id);
      for (const chunk of again) await sendChunk(chunk);
    }
    return failures.result();
  }

  return {
    name: config.name,
    topics: config.topics.map((topic) => avroTopic(topic, 'enriched-log')),
    async start() {},
    write,
    async health() {
      try {
        const reply = await send({ method: 'GET', url: `${base}/services/collector/health`, headers });
        const parsed = parseHecReply(reply.body);
        const detail = `${base}: HTTP ${reply.status}${parsed.text === undefined ? '' : ` ${parsed.text}`}`;
        return { healthy: reply.status === 200, detail };
      } catch (error) {
        return { healthy: false, detail: (error as Error).message };
      }
    },
    async close() {},
  };
}
