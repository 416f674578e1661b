/**
 * Decoding a sink's records by their topic's codec (Avro through the serde in the reader schema this
 * build was compiled against; JSON). A value that cannot be decoded, or has no string `eventId`, is
 * a dead letter (stage `serde`); a tombstone is skipped. Errors the serde marks retriable (the
 * registry is unreachable) are thrown, never dead-lettered: the caller retries them.
 */
import { loadSchemaCatalog, type SchemaCatalog } from '../../schemas/catalog.js';
import { InvalidRecordError, PipelineError } from '../errors/index.js';
import type { LogRecord } from '../log/contract.js';
import type { TopicSpec } from '../runtime/api.js';
import type { AvroSerde } from '../serde/index.js';
import type { EntryOutcome } from './batcher.js';

/** Decodes one record of any of the sink's topics. */
export type RecordDecoder = (record: LogRecord) => Promise<EntryOutcome>;

/** Binds each topic's codec (registering Avro reader schemas) and returns the decoder. */
export async function createRecordDecoder(
  topics: readonly TopicSpec[],
  serde: AvroSerde,
  catalog: SchemaCatalog = loadSchemaCatalog(),
): Promise<RecordDecoder> {
  const decoders = new Map<string, (value: Buffer) => Promise<unknown>>();
  for (const { topic, codec } of topics) {
    if (codec.kind === 'avro') {
      const topicSerde = await serde.forTopic(topic, catalog.byFile(codec.schema).text);
      decoders.set(topic, (value) => topicSerde.decode(value));
    } else {
      decoders.set(topic, async (value) => {
        try {
          return JSON.parse(value.toString('utf8')) as unknown;
        } catch (error) {
          throw new InvalidRecordError(`Value is not JSON: ${(error as Error).message}.`, {
            stage: 'serde',
            cause: error,
          });
        }
      });
    }
  }
  return async (record) => {
    if (record.value === null) return { kind: 'skip', reason: 'tombstone' };
    const decode = decoders.get(record.topic);
    if (!decode) throw new PipelineError(`The sink got a record of topic "${record.topic}" it does not consume.`);
    let value: unknown;
    try {
      value = await decode(record.value);
    } catch (error) {
      if (error instanceof PipelineError && error.retriable) throw error;
      return { kind: 'dead', stage: 'serde', error: asPipelineError(error, record) };
    }
    const eventId = (value as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId !== 'string' || eventId.length === 0) {
      const error = new InvalidRecordError(
        `Record ${record.topic}/${record.partition}@${record.offset} has no string eventId: sinks need one to write idempotently.`,
        { stage: 'serde' },
      );
      return { kind: 'dead', stage: 'serde', error };
    }
    return { kind: 'item', item: { eventId, value, record } };
  };
}

function asPipelineError(error: unknown, record: LogRecord): PipelineError {
  if (error instanceof PipelineError) return error;
  return new InvalidRecordError(
    `Cannot decode ${record.topic}/${record.partition}@${record.offset}: ${(error as Error)?.message ?? String(error)}.`,
    { stage: 'serde', cause: error },
  );
}
