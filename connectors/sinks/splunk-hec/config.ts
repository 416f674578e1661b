/**
 * Configuration of a Splunk HTTP Event Collector destination (`sinks.splunkHec` in makestream.yaml).
 */
import { z } from 'zod';
import { secretSourceSchema } from '../../../pipeline/config/secret.js';
import { sinkRuntimeConfigSchema } from '../../../pipeline/sink/config.js';

/** Indexer acknowledgement (the token must have "Enable indexer acknowledgement" on). */
export const hecAckSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Count a batch as written only once Splunk says it is indexed.'),
    pollIntervalMs: z.number().int().min(1).default(1_000).describe('How often /services/collector/ack is asked.'),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .describe('Longest wait for an ackId to turn true; then its events are sent again (at least once).'),
    maxResends: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Resends after ack timeouts before the write fails (retriable) for the runtime to retry.'),
  })
  .default({ enabled: false, pollIntervalMs: 1_000, timeoutMs: 30_000, maxResends: 3 });

/** One HEC destination. */
export const splunkHecSinkConfigSchema = sinkRuntimeConfigSchema
  .extend({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default('splunk-hec')
      .describe('Sink name: consumer group makestream.sink.<name>, DLQ makestream.dlq.<name>.'),
    url: z.url().describe('Base URL of the collector, e.g. https://splunk.example.com:8088 (no path).'),
    token: secretSourceSchema.describe('HEC token (a GUID), sent as `Authorization: Splunk <token>`.'),
    index: z.string().min(1).optional().describe("Target index (must be allowed for the token); default: the token's."),
    source: z.string().min(1).default('makestream').describe('`source` of every event.'),
    sourcetype: z.string().min(1).default('makestream:log').describe('`sourcetype` of every event.'),
    host: z.string().min(1).optional().describe("`host` of every event; default: the record's Make zone."),
    maxRequestBytes: z
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 * 1024)
      .describe(
        'Most body bytes per request (Splunk max_content_length may be as low as 1 MB); larger batches are split.',
      ),
    maxRequestEvents: z.number().int().min(1).default(1_000).describe('Most events per request.'),
    maxEventBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024)
      .describe(
        'Largest envelope (Splunk maxEventSize, default 5 MB); larger events are cut and marked, never dropped.',
      ),
    requestTimeoutMs: z.number().int().min(1).default(10_000).describe('Give up on a request after this long.'),
    ack: hecAckSchema,
    topics: z
      .array(z.string().min(1))
      .min(1)
      .default(['make.logs.enriched.v1'])
      .describe('Topics whose records are sent (EnrichedLog values).'),
  })
  .describe('A Splunk HTTP Event Collector (or a receiver speaking its protocol).');

/** A HEC destination as written in the config. */
export type SplunkHecSinkConfigInput = z.input<typeof splunkHecSinkConfigSchema>;
/** A HEC destination with defaults applied. */
export type SplunkHecSinkConfig = z.output<typeof splunkHecSinkConfigSchema>;
