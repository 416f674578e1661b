/**
 * Binding topics to their value schemas at start-up: every topic's schema (named in its topic
 * definition, see pipeline/topics.ts) is registered under `<topic>-value` before anything is
 * produced, so a schema the registry refuses stops the process at start rather than mid-stream.
 */
import { loadSchemaCatalog, type SchemaCatalog } from '../../schemas/catalog.js';
import type { EventTypesBySchemaFile } from '../../schemas/generated/types.js';
import type { AvroSerde, TopicSerde } from './serde.js';

/** What registration needs of a topic definition. */
export interface TopicSchemaBinding {
  readonly name: string;
  /** Schema file in `schemas/` without `.avsc`, e.g. `scenario-execution`. */
  readonly valueSchema: string;
}

let defaultCatalog: SchemaCatalog | undefined;
const catalogOrDefault = (catalog: SchemaCatalog | undefined): SchemaCatalog =>
  catalog ?? (defaultCatalog ??= loadSchemaCatalog());

/**
 * Registers the value schema of every topic, one after the other (a registry compares each with
 * the subject's latest version), and returns the serde of each by topic name.
 */
export async function registerTopicSchemas(
  serde: AvroSerde,
  topics: readonly TopicSchemaBinding[],
  catalog?: SchemaCatalog,
): Promise<ReadonlyMap<string, TopicSerde<unknown>>> {
  const schemas = catalogOrDefault(catalog);
  const serdes = new Map<string, TopicSerde<unknown>>();
  for (const topic of topics) {
    serdes.set(topic.name, await serde.forTopic(topic.name, schemas.byFile(topic.valueSchema).text));
  }
  return serdes;
}

/** The typed serde of one topic whose values follow `schema` (registers it on first use). */
export function bindTopic<Schema extends keyof EventTypesBySchemaFile>(
  serde: AvroSerde,
  topic: string,
  schema: Schema,
  catalog?: SchemaCatalog,
): Promise<TopicSerde<EventTypesBySchemaFile[Schema]>> {
  return serde.forTopic<EventTypesBySchemaFile[Schema]>(topic, catalogOrDefault(catalog).byFile(schema).text);
}
