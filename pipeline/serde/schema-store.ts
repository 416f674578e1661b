/**
 * Where schemas and their ids live. Two implementations behind one contract: a Confluent-compatible
 * schema registry (Confluent, Apicurio's ccompat API, Karapace, Redpanda) for Kafka deployments, and
 * an embedded store in the SQLite file of the one-machine mode. The serde does not know which runs.
 *
 * Contract (Confluent's semantics, so both behave alike):
 * - Ids are global: the same schema text registered under two subjects gets one id.
 * - `register` is idempotent: registering a schema the subject already has returns its id and adds
 *   no version.
 * - A new version must be BACKWARD compatible with the subject's latest version: a reader with the
 *   new schema can read data written with the latest one. Otherwise IncompatibleSchemaError, with
 *   the store's reason.
 * - Errors: NotFoundError for unknown ids and subjects, RetriableError when the store cannot be
 *   reached (naming where), InvalidSchemaError for text that is not an Avro schema.
 */
import type { Type } from 'avsc';

/** Registers schemas and resolves schema ids. */
export interface SchemaStore {
  /** Where the schemas live, for messages: `schema registry at https://…`, `embedded schema store in /…/makestream.db`. */
  readonly description: string;
  /** Registers `schema` (Avro JSON text) under `subject` and returns its global id. */
  register(subject: string, schema: string): Promise<number>;
  /** The writer schema with this id, parsed with `avroTypeOptions`. NotFoundError when unknown. */
  typeById(id: number): Promise<Type>;
  /**
   * Would `register(subject, schema)` be accepted? Registers nothing. A subject without versions
   * accepts any schema. `reason` says why not, in the store's words when it gives any.
   */
  checkCompatibility(subject: string, schema: string): Promise<CompatibilityVerdict>;
  /** Id of the latest version of `subject`. NotFoundError when the subject has no version. */
  latestId(subject: string): Promise<number>;
  /** Releases what the store opened itself (connections, files it was given by path). */
  close(): Promise<void>;
}

/** The answer of {@link SchemaStore.checkCompatibility}. */
export type CompatibilityVerdict =
  { readonly compatible: true } | { readonly compatible: false; readonly reason: string };

/**
 * Why `reader` cannot read data written with `writer`, in avsc's words, or undefined when it can
 * (BACKWARD compatibility of a new schema against the latest one).
 */
export function backwardIncompatibility(reader: Type, writer: Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Confluent's TopicNameStrategy for record values: the subject of topic `t` is `t-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
