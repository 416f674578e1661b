/**
 * Configuration of a Datadog logs destination (`sinks.datadog` in makestream.yaml).
 */
import { z } from 'zod';
import { secretSourceSchema } from '../../../pipeline/config/secret.js';
import { sinkRuntimeConfigSchema } from '../../../pipeline/sink/config.js';

/** Logs intake host per Datadog site (reference sinks.md §2). */
export const datadogIntakeHosts = {
  'datadoghq.com': 'http-intake.logs.datadoghq.com',
  'us3.datadoghq.com': 'http-intake.logs.us3.datadoghq.com',
  'us5.datadoghq.com': 'http-intake.logs.us5.datadoghq.com',
  'datadoghq.eu': 'http-intake.logs.datadoghq.eu',
  'ap1.datadoghq.com': 'http-intake.logs.ap1.datadoghq.com',
  'ap2.datadoghq.com': 'http-intake.logs.ap2.datadoghq.com',
  'uk1.datadoghq.com': 'http-intake.logs.uk1.datadoghq.com',
  'ddog-gov.com': 'http-intake.logs.ddog-gov.com',
  'us2.ddog-gov.com': 'http-intake.logs.us2.ddog-gov.com',
} as const;

/** A Datadog site name. */
export type DatadogSite = keyof typeof datadogIntakeHosts;

/** Documented limits of the v2 intake. */
export const datadogLimits = { requestBytes: 5_000_000, entries: 1000, logBytes: 1_000_000 } as const;

/** One Datadog destination. */
export const datadogSinkConfigSchema = sinkRuntimeConfigSchema
  .extend({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default('datadog')
      .describe('Sink name: consumer group makestream.sink.<name>, DLQ makestream.dlq.<name>.'),
    site: z
      .enum(Object.keys(datadogIntakeHosts) as [DatadogSite, ...DatadogSite[]])
      .default('datadoghq.com')
      .describe('Datadog site; picks the intake host (e.g. datadoghq.eu → http-intake.logs.datadoghq.eu).'),
    url: z
      .url()
      .optional()
      .describe('Base URL that replaces https://<intake host of site> (proxies, tests); /api/v2/logs is appended.'),
    apiKey: secretSourceSchema.describe('Datadog API key, sent as DD-API-KEY.'),
    ddsource: z.string().min(1).default('makestream').describe('`ddsource` (selects Datadog pipelines).'),
    ddtags: z.array(z.string().min(1)).default([]).describe('Tags added to every log, e.g. ["env:prod"].'),
    service: z.string().min(1).default('make').describe('`service` of every log.'),
    hostname: z.string().min(1).optional().describe("`hostname` of every log; default: the record's Make zone."),
    compression: z.enum(['gzip', 'none']).default('gzip').describe('Request body encoding.'),
    maxRequestBytes: z
      .number()
      .int()
      .min(1024)
      .max(datadogLimits.requestBytes)
      .default(datadogLimits.requestBytes)
      .describe('Most uncompressed bytes per request (Datadog: 5 MB); larger batches are split.'),
    maxRequestEntries: z
      .number()
      .int()
      .min(1)
      .max(datadogLimits.entries)
      .default(datadogLimits.entries)
      .describe('Most logs per request (Datadog: 1000).'),
    maxLogBytes: z
      .number()
      .int()
      .min(1024)
      .max(datadogLimits.logBytes)
      .default(datadogLimits.logBytes)
      .describe('Largest log (Datadog: 1 MB); larger ones are cut and marked here, never dropped.'),
    forbiddenRetries: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe(
        'Consecutive 403 replies retried before a 403 is permanent (Vector retries 403: transient 403s exist).',
      ),
    requestTimeoutMs: z.number().int().min(1).default(30_000).describe('Give up on a request after this long.'),
    topics: z
      .array(z.string().min(1))
      .min(1)
      .default(['make.logs.enriched.v1'])
      .describe('Topics whose records are sent (EnrichedLog values).'),
  })
  .describe('Datadog logs intake API v2.');

/** A Datadog destination as written in the config. */
export type DatadogSinkConfigInput = z.input<typeof datadogSinkConfigSchema>;
/** A Datadog destination with defaults applied. */
export type DatadogSinkConfig = z.output<typeof datadogSinkConfigSchema>;

/** The intake URL for a config: `url` if set, else https://<intake host of site>, plus /api/v2/logs. */
export function datadogIntakeUrl(config: Pick<DatadogSinkConfig, 'site' | 'url'>): string {
  const base = config.url ?? `https://${datadogIntakeHosts[config.site]}`;
  return `${base.replace(/\/+$/, '')}/api/v2/logs`;
}
