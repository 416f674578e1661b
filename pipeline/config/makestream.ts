/**
 * The makestream configuration file (`--config makestream.yaml`, plus `MAKESTREAM_*` overrides).
 * With no file at all, makestream runs its embedded default: the embedded log and schema store in
 * one SQLite file under `.makestream/`. Each section's schema is its component's documentation.
 */
import { z } from 'zod';
import { processorNames } from '../../processors/index.js';
import { processorRuntimeConfigSchema } from '../runtime/config.js';
import { makeApiSourceConfigSchema } from '../../connectors/sources/make-api/config.js';
import { simulatorConfigSchema } from '../../connectors/sources/simulator/config.js';
import { webhookSourceConfigSchema } from '../../connectors/sources/webhook/config.js';
import { kafkaLogConfigSchema } from '../log/kafka/config.js';
import { schemaStoreConfigSchema } from '../serde/config.js';
import { loadConfig, type LoadOptions } from './load.js';

/** Default file of the embedded log (and its schema store). */
export const DEFAULT_EMBEDDED_PATH = '.makestream/makestream.db';

const embeddedLog = z
  .strictObject({
    backend: z.literal('embedded').describe('A durable log in one SQLite file: one machine, no services.'),
    path: z.string().min(1).default(DEFAULT_EMBEDDED_PATH).describe('The SQLite file of the log.'),
    syncOffLoop: z
      .boolean()
      .default(false)
      .describe(
        "fsync the log's WAL on libuv's thread pool instead of inside SQLite's commit on the event loop: a send still resolves only once on disk, but committed records are readable before their fsync ends (a power loss can take back a record a reader saw; a process crash cannot). Raises webhook ingest on the embedded log (pipeline/log/embedded/README.md).",
      ),
    writeThread: z
      .boolean()
      .default(false)
      .describe(
        "Write producers' records (inserts, commit and fsync) on a worker thread with its own SQLite connection, so the event loop only checks and encodes them: a send still resolves only after its durable commit, in issue order. Raises batched webhook ingest on the embedded log (pipeline/log/embedded/README.md).",
      ),
  })
  .describe('The embedded EventLog.');

const kafkaLog = z
  .strictObject({
    backend: z.literal('kafka').describe('Apache Kafka (or a compatible cluster): scale-out with consumer groups.'),
    kafka: kafkaLogConfigSchema,
  })
  .describe('The Kafka EventLog.');

const topicOverride = z
  .strictObject({
    partitions: z.number().int().min(1).optional().describe('Partition count (only when the topic is created).'),
    retentionMs: z.number().int().min(-1).optional().describe('Retention in ms; -1 keeps records forever.'),
    maxRecordBytes: z.number().int().min(1024).optional().describe('Largest record accepted (bytes).'),
  })
  .describe('Overrides of one topic of the catalogue.');

/** The whole configuration. */
/** A processor's section: validated by the processor's own schema when it starts. */
const processorSection = (where: string) =>
  z.unknown().optional().describe(`Settings of ${where}; see its README.md and config.ts.`);

/** A sink's section (one destination, or a list of them): validated by the sink's own schema at start. */
const sinkSection = (where: string) =>
  z.unknown().optional().describe(`One destination (or a list) of ${where}; see its README.md and config.ts.`);

export const makestreamConfigSchema = z
  .strictObject({
    logLevel: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info')
      .describe('Least severe log level written (JSON lines on stderr); MAKESTREAM_LOG_LEVEL sets it too.'),
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Serve Prometheus metrics at /metrics while `run` runs.'),
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Address of the metrics endpoint; 0.0.0.0 for every interface.'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .default(9464)
          .describe('Port of the metrics endpoint; 0 picks a free one.'),
      })
      .prefault({})
      .describe('The Prometheus scrape endpoint of `makestream run`.'),
    log: z
      .discriminatedUnion('backend', [embeddedLog, kafkaLog])
      .default({ backend: 'embedded', path: DEFAULT_EMBEDDED_PATH, syncOffLoop: false, writeThread: false })
      .describe('Where events live: `embedded` (default) or `kafka`.'),
    schemaStore: schemaStoreConfigSchema
      .optional()
      .describe('Where Avro schemas live; default: the embedded store in the embedded log file.'),
    sources: z
      .strictObject({
        makeApi: makeApiSourceConfigSchema
          .optional()
          .describe('The Make.com API poller (connectors/sources/make-api); see docs/configuration.md.'),
        webhook: webhookSourceConfigSchema
          .optional()
          .describe('The webhook receiver (connectors/sources/webhook); see docs/configuration.md.'),
        simulator: simulatorConfigSchema
          .optional()
          .describe(
            'Settings of the simulated Make.com API that `run` serves and polls when no makeApi source is configured (the demo).',
          ),
      })
      .prefault({})
      .describe('Where events come from. Without makeApi, `run` polls an in-process simulator (demo).'),
    processors: z
      .strictObject({
        enabled: z
          .array(z.enum(processorNames as [string, ...string[]]))
          .optional()
          .describe('Processors `run` starts, by name; default: all of them (processors/index.ts).'),
        enrich: processorSection('processors/enrich'),
        correlate: processorSection('processors/correlate (stage 1: occurrences)'),
        incidents: processorSection('processors/correlate (stage 2: incidents)'),
        aggregate: processorSection('processors/aggregate (aggregate and rollup)'),
        anomaly: processorSection('processors/anomaly'),
        siem: processorSection('processors/siem (SIEM topics)'),
      })
      .prefault({})
      .describe('The processors and their settings; each section is checked by its processor at start.'),
    runtime: z
      .strictObject({
        processors: processorRuntimeConfigSchema.prefault({}),
      })
      .prefault({})
      .describe('Runtime settings shared by every processor (batching and group membership).'),
    sinks: z
      .strictObject({
        clickhouse: sinkSection('connectors/sinks/clickhouse'),
        postgres: sinkSection('connectors/sinks/postgres'),
        elasticsearch: sinkSection('connectors/sinks/elasticsearch (flavour elasticsearch)'),
        opensearch: sinkSection('connectors/sinks/elasticsearch (flavour opensearch)'),
        syslog: sinkSection('connectors/sinks/syslog'),
        splunkHec: sinkSection('connectors/sinks/splunk-hec'),
        datadog: sinkSection('connectors/sinks/datadog'),
      })
      .optional()
      .describe('Where events are delivered. Without this section: ClickHouse embedded (chDB) in .makestream/chdb.'),
    topics: z
      .strictObject({
        overrides: z
          .record(z.string(), topicOverride)
          .default({})
          .describe('Per topic name, e.g. `make.executions.raw.v1: { partitions: 12 }`.'),
      })
      .prefault({})
      .describe('The topic catalogue (pipeline/topics.ts) with local overrides.'),
  })
  .superRefine((config, context) => {
    if (config.log.backend === 'kafka' && config.schemaStore?.kind !== 'registry') {
      context.addIssue({
        code: 'custom',
        path: ['schemaStore'],
        message:
          'with the kafka log, set schemaStore to { kind: registry, url: ... } so that other clients can read the schemas',
      });
    }
  });

/** The configuration with defaults applied. */
export type MakestreamConfig = z.output<typeof makestreamConfigSchema>;

/** Loads `file` (optional) with `MAKESTREAM_*` overrides; ConfigError names every bad field. */
export function loadMakestreamConfig(options: LoadOptions = {}): MakestreamConfig {
  return loadConfig(makestreamConfigSchema, options);
}
