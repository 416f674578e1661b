/**
 * The runner's value codec: Avro topics through the process's serde (schemas registered under
 * `<topic>-value` from `schemas/<schema>.avsc`, Confluent wire format), JSON topics as UTF-8 JSON,
 * string topics as the string's UTF-8 bytes (`string-codec.ts`).
 * Binding is async (registration); encoding is then synchronous, as the task module needs.
 */
import { InvalidRecordError } from '../errors/index.js';
import type { AvroSerde, TopicSerde } from '../serde/index.js';
import { loadSchemaCatalog, type SchemaCatalog } from '../../schemas/catalog.js';
import type { TopicSpec } from './api.js';
import { decodeStringValue, encodeStringValue } from './string-codec.js';

/** Encodes (sync) and decodes (async) values of bound topics. */
export interface SerdeCodec {
  encode(spec: TopicSpec, value: unknown): Buffer;
  decode(spec: TopicSpec, value: Buffer): Promise<unknown>;
}

let sharedCatalog: SchemaCatalog | undefined;

/** Registers the schemas of every Avro topic in `specs` and returns the codec. */
export async function bindSerdeCodec(serde: AvroSerde, specs: readonly TopicSpec[]): Promise<SerdeCodec> {
  const catalog = (sharedCatalog ??= loadSchemaCatalog());
  const bound = new Map<string, TopicSerde<unknown>>();
  for (const spec of specs) {
    if (spec.codec.kind !== 'avro' || bound.has(spec.topic)) continue;
    bound.set(spec.topic, await serde.forTopic(spec.topic, catalog.byFile(spec.codec.schema).text));
  }
  const serdeOf = (spec: TopicSpec): TopicSerde<unknown> => {
    const topicSerde = bound.get(spec.topic);
    if (!topicSerde) throw new Error(`Topic "${spec.topic}" was not bound to the serde at start-up.`);
    return topicSerde;
  };
  return {
    encode(spec, value) {
      if (spec.codec.kind === 'json') return Buffer.from(JSON.stringify(value), 'utf8');
      if (spec.codec.kind === 'string') return encodeStringValue(spec.topic, value);
      return serdeOf(spec).encode(value);
    },
    async decode(spec, value) {
      if (spec.codec.kind === 'avro') return serdeOf(spec).decode(value);
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
