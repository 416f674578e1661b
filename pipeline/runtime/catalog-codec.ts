/**
 * A value codec over the schema catalog (`schemas/*.avsc`) without a schema store: Avro values are
 * framed in the Confluent wire format with a local id per schema file (JSON and plain string topics
 * as the runner writes them, `string-codec.ts`). The test driver uses it, so a value a processor
 * emits is encoded exactly as the runner's serde would encode it (same avsc options, same
 * RecordValidationError naming the fields at fault), and read back as a consumer would see it.
 */
import type { Type } from 'avsc';
import { InvalidRecordError } from '../errors/index.js';
import { encodeAvro } from '../serde/avro.js';
import { decodeWireFormat, encodeWireFormat } from '../serde/wire-format.js';
import { loadSchemaCatalog, type SchemaCatalog } from '../../schemas/catalog.js';
import type { TopicSpec } from './api.js';
import { decodeStringValue, encodeStringValue } from './string-codec.js';

/** Encodes and decodes values of topics by their {@link TopicSpec}. */
export interface CatalogCodec {
  encode(spec: TopicSpec, value: unknown): Buffer;
  decode(spec: TopicSpec, value: Buffer): unknown;
}

let sharedCatalog: SchemaCatalog | undefined;

/** Creates a codec over `catalog` (default: the repository's `schemas/`, loaded once per process). */
export function createCatalogCodec(catalog: SchemaCatalog = (sharedCatalog ??= loadSchemaCatalog())): CatalogCodec {
  const ids = new Map<string, number>();
  const types = new Map<number, Type>();
  catalog.files.forEach((file, index) => {
    ids.set(file.file.replace(/\.avsc$/, ''), index + 1);
    types.set(index + 1, file.type);
  });

  function schemaIdOf(schema: string): number {
    const id = ids.get(schema);
    if (id === undefined) {
      throw new Error(`No schema "${schema}" in schemas/ (known: ${[...ids.keys()].join(', ')}).`);
    }
    return id;
  }

  return {
    encode(spec, value) {
      if (spec.codec.kind === 'json') return Buffer.from(JSON.stringify(value), 'utf8');
      if (spec.codec.kind === 'string') return encodeStringValue(spec.topic, value);
      const id = schemaIdOf(spec.codec.schema);
      return encodeWireFormat(id, encodeAvro(types.get(id)!, value, `A value for topic "${spec.topic}"`));
    },
    decode(spec, value) {
      if (spec.codec.kind === 'string') return decodeStringValue(spec.topic, value);
      if (spec.codec.kind === 'json') {
        try {
          return JSON.parse(value.toString('utf8')) as unknown;
        } catch (error) {
          throw new InvalidRecordError(`A value of topic "${spec.topic}" is not JSON: ${(error as Error).message}`, {
            stage: 'serde',
            component: 'serde.json',
          });
        }
      }
      const { schemaId, body } = decodeWireFormat(value);
      const expected = schemaIdOf(spec.codec.schema);
      if (schemaId !== expected) {
        throw new InvalidRecordError(
          `A value of topic "${spec.topic}" has schema id ${schemaId}, expected ${expected} (${spec.codec.schema}).`,
          { stage: 'serde', component: 'serde.avro' },
        );
      }
      try {
        return types.get(schemaId)!.fromBuffer(body);
      } catch (error) {
        throw new InvalidRecordError(
          `A value of topic "${spec.topic}" is not a valid ${spec.codec.schema} record: ${(error as Error).message}`,
          { stage: 'serde', component: 'serde.avro' },
        );
      }
    },
  };
}
