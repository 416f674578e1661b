/**
 * The Datadog logs sink: EnrichedLog records as `POST /api/v2/logs` JSON arrays (gzip), within the
 * intake limits (5 MB uncompressed, 1000 entries, 1 MB per log — larger logs cut and marked).
 * Datadog accepts or rejects a request whole: 413 splits it, a 400 is bisected down to the log at
 * fault, which fails alone (permanent, to the DLQ); 408, 429, 5xx and transport errors fail the
 * write as retriable; 403 is retriable `forbiddenRetries` times in a row, then permanent.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
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
  type RequestChunk,
} from '../../../pipeline/sink/requests.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { datadogIntakeUrl, datadogSinkConfigSchema, type DatadogSinkConfigInput } from './config.js';
import { arrayBody, datadogEntry } from './payload.js';
import { classifyDatadogResponse } from './responses.js';

const component = 'sink.datadog';
const gzip = promisify(gzipCallback);

/** Dependencies of {@link createDatadogSink}; `send` defaults to fetch. */
export interface DatadogSinkDependencies {
  /** Where the API key is read from (process env and files). */
  readonly environment: SecretEnvironment;
  readonly send?: HttpSend;
}

/** Creates the sink for one Datadog destination. */
export function createDatadogSink(
  input: DatadogSinkConfigInput,
  dependencies: DatadogSinkDependencies,
): SinkConnector<EnrichedLog> {
  const config = datadogSinkConfigSchema.parse(input);
  const apiKey = readSecret(config.apiKey, 'sinks.datadog.apiKey', dependencies.environment);
  const send = dependencies.send ?? fetchSender(component, config.requestTimeoutMs);
  const url = datadogIntakeUrl(config);
  const headers: Record<string, string> = {
    'dd-api-key': apiKey,
    'content-type': 'application/json',
    ...(config.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
  };
  let forbiddenInARow = 0;

  async function post(chunk: RequestChunk): Promise<number> {
    const text = arrayBody(chunk.entries);
    const body = config.compression === 'gzip' ? await gzip(text) : text;
    const reply = await send({ method: 'POST', url, headers, body });
    return reply.status;
  }

  async function write(batch: SinkBatch<EnrichedLog>): Promise<SinkWriteResult> {
    const failures = itemFailures(component);
    const entries = buildEntries(batch, failures, 'a Datadog log', (value) => datadogEntry(value, config));

    const sendChunk = async (chunk: RequestChunk): Promise<void> => {
      const status = await post(chunk);
      const outcome = classifyDatadogResponse(status);
      if (outcome === 'ok') {
        forbiddenInARow = 0;
        return;
      }
      if (outcome === 'retriable') {
        throw new RetriableError(`Datadog intake ${url} answered HTTP ${status}`, { component, stage: 'sending' });
      }
      if (outcome === 'forbidden') {
        forbiddenInARow += 1;
        const message = `Datadog intake ${url} answered 403 (${forbiddenInARow} in a row); check sinks.datadog.apiKey and site`;
        if (forbiddenInARow <= config.forbiddenRetries)
          throw new RetriableError(message, { component, stage: 'sending' });
        throw new PipelineError(message, { component, stage: 'sending' });
      }
      if (outcome === 'config') {
        throw new PipelineError(`Datadog intake ${url} refused the request with HTTP ${status}; check sinks.datadog`, {
          component,
          stage: 'sending',
        });
      }
      // too-large or bad-data: split down to the log at fault.
      const rejected = (position: number): void =>
        failures.fail(position, `Datadog intake rejected log ${batch.items[position]!.eventId} with HTTP ${status}`);
      return bisect(chunk, sendChunk, rejected);
    };

    // Array brackets and commas: n entries cost n + 1 bytes beyond their text; chunkEntries counts n.
    for (const chunk of chunkEntries(entries, config.maxRequestBytes - 1, config.maxRequestEntries)) {
      await sendChunk(chunk);
    }
    return failures.result();
  }

  return {
    name: config.name,
    topics: config.topics.map((topic) => avroTopic(topic, 'enriched-log')),
    async start() {},
    write,
    async health() {
      // The intake has no health endpoint; the last reply tells whether the key is accepted.
      return forbiddenInARow > 0
        ? { healthy: false, detail: `${url}: ${forbiddenInARow} consecutive 403 replies` }
        : { healthy: true, detail: `${url}: no failure seen` };
    },
    async close() {},
  };
}
