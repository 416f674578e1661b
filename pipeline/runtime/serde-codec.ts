/**
 * The runner's value codec: Avro topics through the process's serde (schemas registered under
 * `<topic>-value` from `schemas/<schema>.avsc`, Confluent wire format), JSON topics as UTF-8 JSON,
 * string topics as the string's UTF-8 bytes (`string-codec.ts`).
 * Binding is async (registration); encoding is then synchronous, as the task module needs. Decoding is
 * synchronous too for the common case, a value written with this process's own schema of the topic: the
 * runner then awaits nothing per record (an await per record showed in profiles). Values written with
 * another schema id go through the serde (writer fetch, resolver), which is async.
 */
import type { Type } from 'avsc';
import { InvalidRecordError, PipelineError } from '../errors/index.js';
import { parseAvroSchema } from '../serde/avro.js';
import type { AvroSerde, TopicSerde } from '../serde/index.js';
import { decodeWireFormat } from '../serde/wire-format.js';
import { loadSchemaCatalog, type SchemaCatalog } from '../../schemas/catalog.js';
import type { TopicSpec } from './api.js';
import { decodeStringValue, encodeStringValue } from './string-codec.js';

/** Encodes (sync) and decodes values of bound topics. */
export interface SerdeCodec {
  encode(spec: TopicSpec, value: unknown): Buffer;
  /**
   * The decoded value, or a Promise of it when the value needs the serde's async path (a writer schema
   * other than this process's). Decoded values are never Promises, so `instanceof Promise` tells them apart.
   */
  decode(spec: TopicSpec, value: Buffer): unknown;
}

/** A bound Avro topic: the serde, plus this process's schema for the synchronous decode. */
interface BoundTopic {
  readonly serde: TopicSerde<unknown>;
  readonly reader: Type;
}

let sharedCatalog: SchemaCatalog | undefined;

/** Registers the schemas of every Avro topic in `specs` and returns the codec. */
export async function bindSerdeCodec(serde: AvroSerde, specs: readonly TopicSpec[]): Promise<SerdeCodec> {
  const catalog = (sharedCatalog ??= loadSchemaCatalog());
  const bound = new Map<string, BoundTopic>();
  for (const spec of specs) {
    if (spec.codec.kind !== 'avro' || bound.has(spec.topic)) continue;
    const text = catalog.byFile(spec.codec.schema).text;
    bound.set(spec.topic, {
      serde: await serde.forTopic(spec.topic, text),
      reader: parseAvroSchema(text, `schema for topic "${spec.topic}"`),
    });
  }
  const boundOf = (spec: TopicSpec): BoundTopic => {
    const topic = bound.get(spec.topic);
    if (!topic) throw new Error(`Topic "${spec.topic}" was not bound to the serde at start-up.`);
    return topic;
  };
  return {
    encode(spec, value) {
      if (spec.codec.kind === 'json') return Buffer.from(JSON.stringify(value), 'utf8');
      if (spec.codec.kind === 'string') return encodeStringValue(spec.topic, value);
      return boundOf(spec).serde.encode(value);
    },
    decode(spec, value) {
      if (spec.codec.kind === 'avro') {
        const topic = boundOf(spec);
        const { schemaId, body } = decodeWireFormat(value);
        if (schemaId !== topic.serde.schemaId) return topic.serde.decode(value);
        return decodeOwnSchema(spec.topic, topic.reader, schemaId, body);
      }
      if (spec.codec.kind === 'string') return decodeStringValue(spec.topic, value);
      try {
        return JSON.parse(value.toString('utf8')) as unknown;
      } catch (error) {
        throw new InvalidRecordError(`A value of topic "${spec.topic}" is not JSON: ${(error as Error).message}`, {
          stage: 'serde',
          component: 'serde.json',
        });
      }
    },
  };
}

/** Decodes a body written with this process's schema, failing as the serde does (pipeline/serde/serde.ts). */
function decodeOwnSchema(topic: string, reader: Type, schemaId: number, body: Buffer): unknown {
  try {
    return reader.fromBuffer(body);
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw new InvalidRecordError(
      `Cannot decode the record of topic "${topic}" written with schema id ${schemaId}: ${(error as Error).message}.`,
      { stage: 'serde', component: 'serde.avro', cause: error },
    );
  }
}
