/**
 * siem: turns every enriched log record into the two SIEM feeds, `siem.ecs.v1` (the ECS document
 * of `connectors/sinks/elasticsearch/documents.ts`, as a JSON object) and `siem.cef.v1` (the CEF
 * line of `connectors/sinks/formats/enriched-log.ts`, as a plain UTF-8 string value). Stateless: one input record
 * gives one record on each enabled feed, with the input's key and event time, so a replay gives
 * byte-identical feeds.
 */
import { z } from 'zod';
import { ConfigError } from '../../pipeline/errors/index.js';
import { avroTopic, defineMapper, jsonTopic, stringTopic, type OutputRecord } from '../../pipeline/runtime/api.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';
import { enrichedLogDocument } from '../../connectors/sinks/elasticsearch/documents.js';
import { enrichedLogToCef, makestreamDevice } from '../../connectors/sinks/formats/enriched-log.js';

/** The feeds' default topic names. */
export const siemTopics = { input: 'make.logs.enriched.v1', ecs: 'siem.ecs.v1', cef: 'siem.cef.v1' } as const;

/** The config section `processors.siem`. */
export const siemConfigSchema = z.strictObject({
  ecs: z.boolean().default(true).describe('Write the ECS feed (siem.ecs.v1).'),
  cef: z.boolean().default(true).describe('Write the CEF feed (siem.cef.v1).'),
  device: z
    .strictObject({
      vendor: z.string().min(1).default(makestreamDevice.vendor),
      product: z.string().min(1).default(makestreamDevice.product),
      version: z.string().min(1).default(makestreamDevice.version),
    })
    .default(makestreamDevice)
    .describe('Device Vendor / Product / Version of the CEF header.'),
});

/** The parsed config. */
export type SiemConfig = z.output<typeof siemConfigSchema>;

/** Parses the config section; ConfigError names the field. */
export function parseSiemConfig(raw: unknown): SiemConfig {
  const parsed = siemConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`processors.siem.${issue.path.join('.')}: ${issue.message}.`, {
      component: 'processors.siem',
    });
  }
  return parsed.data;
}

/** Topic names of one instance (tests give their own; production uses {@link siemTopics}). */
export interface SiemProcessorOptions {
  readonly name?: string;
  readonly input?: string;
  readonly ecsTopic?: string;
  readonly cefTopic?: string;
}

/** Creates the processor (the registered one is {@link siemProcessor}). */
export function createSiemProcessor(options: SiemProcessorOptions = {}) {
  const ecsTopic = options.ecsTopic ?? siemTopics.ecs;
  const cefTopic = options.cefTopic ?? siemTopics.cef;
  return defineMapper<SiemConfig, EnrichedLog>({
    name: options.name ?? 'siem',
    description: 'Writes every enriched log record as an ECS document and as a CEF line for SIEM consumers.',
    inputs: [avroTopic(options.input ?? siemTopics.input, 'enriched-log')],
    outputs: [jsonTopic(ecsTopic), stringTopic(cefTopic)],
    eventTime: (record) => record.value.timestamp,
    parseConfig: parseSiemConfig,
    map(record, context, config) {
      const outputs: OutputRecord[] = [];
      const headers = { 'event-id': record.value.eventId };
      if (config.ecs) {
        outputs.push({ topic: ecsTopic, key: record.key, value: enrichedLogDocument(record.value).source, headers });
        context.count('ecs');
      }
      if (config.cef) {
        outputs.push({
          topic: cefTopic,
          key: record.key,
          value: enrichedLogToCef(record.value, config.device),
          headers,
        });
        context.count('cef');
      }
      return outputs;
    },
  });
}

/** The registered processor: `make.logs.enriched.v1` → `siem.ecs.v1` + `siem.cef.v1`. */
export const siemProcessor = createSiemProcessor();
