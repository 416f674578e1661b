/**
 * Opens what a configuration names: the EventLog (embedded or Kafka), the schema store and the
 * serde over it, and the topic catalogue with the config's overrides. Nothing above this file
 * knows which backend runs.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { MakestreamConfig } from './config/makestream.js';
import type { EventLog } from './log/contract.js';
import { createEmbeddedLog } from './log/embedded/index.js';
import { createKafkaLog } from './log/kafka/index.js';
import { createAvroSerde, createSchemaStore, type AvroSerde } from './serde/index.js';
import { topicCatalogue, type TopicDefinition } from './topics.js';

/** Opens the configured EventLog (creating the embedded file's folder when needed). */
export function openEventLog(config: MakestreamConfig): EventLog {
  if (config.log.backend === 'kafka') return createKafkaLog(config.log.kafka);
  const path = resolve(config.log.path);
  mkdirSync(dirname(path), { recursive: true });
  return createEmbeddedLog({ path, syncOffLoop: config.log.syncOffLoop, writeThread: config.log.writeThread });
}

/** Opens the configured schema store (default: the embedded store in the embedded log file) and its serde. */
export function openSerde(config: MakestreamConfig): AvroSerde {
  const storeConfig =
    config.schemaStore ??
    ({ kind: 'embedded', path: resolve(config.log.backend === 'embedded' ? config.log.path : '') } as const);
  if (storeConfig.kind === 'embedded') mkdirSync(dirname(resolve(storeConfig.path)), { recursive: true });
  return createAvroSerde({ store: createSchemaStore(storeConfig) });
}

/** The topic catalogue with the configuration's overrides applied. */
export function configuredTopics(config: MakestreamConfig): TopicDefinition[] {
  return topicCatalogue.map((topic) => ({ ...topic, ...(config.topics.overrides[topic.name] ?? {}) }));
}
