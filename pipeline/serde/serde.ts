/**
 * Avro serde in the Confluent wire format over a {@link SchemaStore}.
 *
 * A topic's serde is bound at start-up: its schema (the one this build was compiled against) is
 * registered under `<topic>-value` and becomes both the writer schema for `encode` and the reader
 * schema for `decode`. Records written with an older (or newer) schema are decoded into the
 * reader's shape through avsc's resolver: new fields take their defaults, unknown enum symbols
 * their enum's default.
 *
 * Everything expensive is cached per schema id, never per message: writer Types (fetched once per
 * id, concurrent misses share one fetch) and resolvers (one per writer id and reader). Once a
 * writer id is resolved, decoding awaits nothing; encoding and decoding avoid intermediate buffers
 * (`codec.ts`).
 */
import type { Type } from 'avsc';
import { ConfigError } from '../errors/index.js';
import { type AvroResolver, compactSchemaText, parseAvroSchema } from './avro.js';
import { createFramedEncoder, decodeFramedBody } from './codec.js';
import { IncompatibleSchemaError } from './errors.js';
import { valueSubject, type SchemaStore } from './schema-store.js';
import { readFramedSchemaId } from './wire-format.js';

/** Encodes and decodes the values of one topic. */
export interface TopicSerde<T> {
  readonly topic: string;
  /** `<topic>-value`. */
  readonly subject: string;
  /** Id of the schema this process writes with (and reads into). */
  readonly schemaId: number;
  /** Avro full name of the schema, e.g. `com.makestream.v1.ScenarioExecution`. */
  readonly schemaName: string;
  /** Frames `value` with the topic's schema id. RecordValidationError names the fields that do not match. */
  encode(value: T): Buffer;
  /**
   * Decodes a framed value written with any schema of the subject's history into this process's
   * schema. InvalidRecordError for bytes that are not a framed Avro record, NotFoundError for an
   * unknown schema id, IncompatibleSchemaError when the writer schema cannot be read as this one.
   */
  decode(value: Buffer): Promise<T>;
  /**
   * Decodes a batch (e.g. one poll's values) as `decode` does each, in order: awaits only for
   * writer schemas not yet resolved, then decodes synchronously. Fails with the first bad value.
   */
  decodeMany(values: readonly Buffer[]): Promise<T[]>;
}

/** The serde of a process: one per schema store. */
export interface AvroSerde {
  /** Registers `schema` under `<topic>-value` (once per process and topic) and returns the topic's serde. */
  forTopic<T>(topic: string, schema: string | object): Promise<TopicSerde<T>>;
  /** Decodes a framed value in its writer's own schema, whatever the topic (tools, DLQ inspection). */
  decode(value: Buffer): Promise<unknown>;
  /** The store behind the serde. */
  readonly store: SchemaStore;
}

/** Dependencies of {@link createAvroSerde}. */
export interface AvroSerdeDependencies {
  readonly store: SchemaStore;
}

/** Creates the serde over a schema store. */
export function createAvroSerde({ store }: AvroSerdeDependencies): AvroSerde {
  const writerTypes = new Map<number, Promise<Type>>();
  const topics = new Map<string, { readonly schema: string; readonly serde: Promise<TopicSerde<unknown>> }>();

  /** The writer Type of an id; a failed fetch is forgotten so that a later call tries again. */
  function writerType(id: number): Promise<Type> {
    let pending = writerTypes.get(id);
    if (!pending) {
      pending = store.typeById(id);
      writerTypes.set(id, pending);
      pending.catch(() => writerTypes.delete(id));
    }
    return pending;
  }

  async function bind<T>(topic: string, schema: string | object): Promise<TopicSerde<T>> {
    const subject = valueSubject(topic);
    const reader = parseAvroSchema(schema, `schema for topic "${topic}"`);
    const schemaId = await store.register(subject, compactSchemaText(schema));
    writerTypes.set(schemaId, Promise.resolve(reader));
    const schemaName = reader.name ?? reader.typeName;
    // One resolver per writer id; null when the writer's schema is the reader's (no resolution needed).
    const resolvers = new Map<number, Promise<AvroResolver | null>>();
    // The same, settled: what the synchronous decode of a batch looks up.
    const resolved = new Map<number, AvroResolver | null>([[schemaId, null]]);
    const encode = createFramedEncoder(reader, schemaId, `Record for topic "${topic}"`);
    const what = (writerId: number): string => `record of topic "${topic}" written with schema id ${writerId}`;

    function resolverFor(writerId: number): Promise<AvroResolver | null> {
      let pending = resolvers.get(writerId);
      if (!pending) {
        pending = writerType(writerId).then((writer) => {
          if (writerId === schemaId || writer.equals(reader)) {
            resolved.set(writerId, null);
            return null;
          }
          try {
            const resolver = reader.createResolver(writer);
            resolved.set(writerId, resolver);
            return resolver;
          } catch (error) {
            const reason = (error as Error).message;
            throw new IncompatibleSchemaError(
              `Records of topic "${topic}" written with schema id ${writerId} (${writer.name ?? writer.typeName}) ` +
                `cannot be read as schema id ${schemaId} (${schemaName}): ${reason}.`,
              { subject, reason },
              { stage: 'serde', component: 'serde.avro', cause: error },
            );
          }
        });
        resolvers.set(writerId, pending);
        // Store failures (unreachable registry) may pass; an incompatible schema stays incompatible.
        pending.catch((error: unknown) => {
          if (!(error instanceof IncompatibleSchemaError)) resolvers.delete(writerId);
        });
      }
      return pending;
    }

    return {
      topic,
      subject,
      schemaId,
      schemaName,

      encode: encode as (value: T) => Buffer,

      async decode(value) {
        const writerId = readFramedSchemaId(value);
        const resolver = resolved.has(writerId) ? resolved.get(writerId)! : await resolverFor(writerId);
        return decodeFramedBody(reader, value, resolver, what(writerId)) as T;
      },

      async decodeMany(values) {
        const decoded = new Array<T>(values.length);
        for (let index = 0; index < values.length; index++) {
          const value = values[index]!;
          const writerId = readFramedSchemaId(value);
          const resolver = resolved.has(writerId) ? resolved.get(writerId)! : await resolverFor(writerId);
          decoded[index] = decodeFramedBody(reader, value, resolver, what(writerId)) as T;
        }
        return decoded;
      },
    };
  }

  return {
    store,

    async forTopic<T>(topic: string, schema: string | object): Promise<TopicSerde<T>> {
      const text = compactSchemaText(schema, `schema for topic "${topic}"`);
      const bound = topics.get(topic);
      if (bound && bound.schema !== text) {
        throw new ConfigError(`Topic "${topic}" is already bound to another schema in this process.`, {
          component: 'serde.avro',
        });
      }
      if (bound) return bound.serde as Promise<TopicSerde<T>>;
      const serde = bind<unknown>(topic, text);
      topics.set(topic, { schema: text, serde });
      serde.catch(() => topics.delete(topic));
      return serde as Promise<TopicSerde<T>>;
    },

    async decode(value) {
      const schemaId = readFramedSchemaId(value);
      const writer = await writerType(schemaId);
      return decodeFramedBody(writer, value, null, `record written with schema id ${schemaId}`);
    },
  };
}
