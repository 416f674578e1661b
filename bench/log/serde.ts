/**
 * The serdes of a run. Every case binds the ScenarioExecution schema to one fixed subject
 * (`makestream.bench.executions-value`) rather than one per topic, so repeated runs register
 * nothing new in the shared registry. Encoding only frames the body with the schema id, so the
 * topic a value is written to does not matter.
 */
import {
  bindTopic,
  createAvroSerde,
  createEmbeddedSchemaStore,
  createRegistrySchemaStore,
  type SchemaStore,
  type TopicSerde,
} from '../../pipeline/serde/index.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';

/** The topic name the bench's subject is derived from. */
export const BENCH_SUBJECT_TOPIC = 'makestream.bench.executions';

/** A serde bound to the bench subject, and how to release its store. */
export interface BoundSerde {
  readonly serde: TopicSerde<ScenarioExecution>;
  close(): Promise<void>;
}

async function bound(store: SchemaStore): Promise<BoundSerde> {
  try {
    const serde = await bindTopic(createAvroSerde({ store }), BENCH_SUBJECT_TOPIC, 'scenario-execution');
    return { serde, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A serde over an in-memory embedded store: builds the pre-encoded pool without any service. */
export function memorySerde(): Promise<BoundSerde> {
  return bound(createEmbeddedSchemaStore({ database: ':memory:' }));
}

/** A serde over the Confluent-compatible registry at `url`. */
export function registrySerde(url: string): Promise<BoundSerde> {
  return bound(createRegistrySchemaStore({ url, clientId: 'makestream-bench' }));
}
