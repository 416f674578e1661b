/** Avro serde in the Confluent wire format, over a schema registry or the embedded store. */
export { createAvroSerde, type AvroSerde, type AvroSerdeDependencies, type TopicSerde } from './serde.js';
export { backwardIncompatibility, valueSubject, type CompatibilityVerdict, type SchemaStore } from './schema-store.js';
export {
  createEmbeddedSchemaStore,
  type EmbeddedSchemaStore,
  type EmbeddedSchemaStoreOptions,
  type SubjectVersion,
} from './embedded-store.js';
export {
  createRegistrySchemaStore,
  type RegistryCompatibility,
  type RegistrySchemaStoreOptions,
  type RegistryTlsOptions,
} from './registry-store.js';
export {
  createSchemaStore,
  parseSchemaStoreConfig,
  schemaStoreConfigSchema,
  type SchemaStoreConfig,
  type SchemaStoreDependencies,
} from './config.js';
export { bindTopic, registerTopicSchemas, type TopicSchemaBinding } from './topics.js';
export { decodeWireFormat, encodeWireFormat, HEADER_LENGTH, MAGIC_BYTE, type WireMessage } from './wire-format.js';
export { avroTypeOptions, findInvalidFields, parseAvroSchema, type InvalidField } from './avro.js';
export { IncompatibleSchemaError, InvalidSchemaError, RecordValidationError } from './errors.js';
