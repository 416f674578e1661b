/**
 * Decoding a sink's records by their topic's codec (Avro through the serde in the reader schema this
 * build was compiled against; JSON). A value that cannot be decoded, or has no string `eventId`, is
 * a dead letter (stage `serde`); a tombstone is skipped. Errors the serde marks retriable (the
 * registry is unreachable) are thrown, never dead-lettered: the caller retries them.
 *
 * Hot path: a value framed with the topic's own schema id (what this build writes, nearly every
 * record) is decoded synchronously with the reader Type, without a promise per record; values of any
 * other writer id go through the serde's async `decode` (registry lookup, schema resolution). Both
 * give the same values and the same errors.
 *
 * Codecs: `avro` as above; `json`: the value is parsed as JSON and its `eventId` taken; `string`
 * (`stringTopic`, e.g. `siem.cef.v1`): the value is text, not JSON (a CEF line is not JSON), decoded
 * as strict UTF-8 like the processors' string codec, and its event id is the record's `event-id`
 * header (what every producer of the pipeline writes), since a line has no field to take it from.
 */
import type { Type } from 'avsc';
import { loadSchemaCatalog, type SchemaCatalog } from '../../schemas/catalog.js';
import { InvalidRecordError, PipelineError } from '../errors/index.js';
import type { LogRecord } from '../log/contract.js';
import type { TopicSpec } from '../runtime/api.js';
import { decodeStringValue } from '../runtime/string-codec.js';
import type { AvroSerde } from '../serde/index.js';
import { HEADER_LENGTH, MAGIC_BYTE } from '../serde/wire-format.js';
import type { EntryOutcome } from './batcher.js';

/**
 * Decodes one record of any of the sink's topics: synchronously when it can (see the file comment),
 * else a promise. Await the result only when it is a promise (`instanceof Promise`).
 */
export type RecordDecoder = (record: LogRecord) => EntryOutcome | Promise<EntryOutcome>;

/** A topic's codec: the sync fast path (undefined: take the async one) and the async decode. */
interface TopicCodec {
  readonly fast: ((value: Buffer) => unknown) | undefined;
  readonly decode: (value: Buffer) => Promise<unknown>;
  /** The values are text: the event id is the `event-id` header, not a field. */
  readonly text: boolean;
}

/** Marks "the fast path does not apply to this value". */
const NOT_FAST = Symbol('not fast');

/**
 * The repository's schema catalog, loaded once per process. Loading it reads, lints and parses every
 * `.avsc` file (7–16 ms of CPU), and each parse compiles fresh avsc reader functions that V8 then
 * profiles and optimises anew: per `startSink`, 6–45 ms of CPU more than with the shared catalog
 * (`bench/sinks/startup.ts`, in-process A/B; 0.7–3 µs per record of a 15 000-record start, nothing
 * in the steady state). Types are immutable, so sharing them is safe.
 */
let defaultCatalog: SchemaCatalog | undefined;

/** Binds each topic's codec (registering Avro reader schemas) and returns the decoder. */
export async function createRecordDecoder(
  topics: readonly TopicSpec[],
  serde: AvroSerde,
  catalog: SchemaCatalog = (defaultCatalog ??= loadSchemaCatalog()),
): Promise<RecordDecoder> {
  const codecs = new Map<string, TopicCodec>();
  for (const { topic, codec } of topics) {
    if (codec.kind === 'string') {
      const text = (value: Buffer): unknown => decodeStringValue(topic, value);
      codecs.set(topic, { fast: text, decode: async (value) => text(value), text: true });
    } else if (codec.kind === 'avro') {
      const { text, type } = catalog.byFile(codec.schema);
      const topicSerde = await serde.forTopic(topic, text);
      codecs.set(topic, {
        // The catalog's own Type: parsed once with the catalog (the same options as parseAvroSchema).
        fast: ownSchemaDecoder(type, topicSerde.schemaId, topic),
        decode: (value) => topicSerde.decode(value),
        text: false,
      });
    } else {
      const parse = (value: Buffer): unknown => {
        try {
          return JSON.parse(value.toString('utf8')) as unknown;
        } catch (error) {
          throw new InvalidRecordError(`Value is not JSON: ${(error as Error).message}.`, {
            stage: 'serde',
            cause: error,
          });
        }
      };
      codecs.set(topic, { fast: parse, decode: async (value) => parse(value), text: false });
    }
  }

  function outcomeOf(record: LogRecord, value: unknown, text: boolean): EntryOutcome {
    const eventId = text
      ? headerText(record.headers[EVENT_ID_HEADER])
      : (value as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId !== 'string' || eventId.length === 0) {
      const what = text ? `no "${EVENT_ID_HEADER}" header (its value is text)` : 'no string eventId';
      const error = new InvalidRecordError(
        `Record ${record.topic}/${record.partition}@${record.offset} has ${what}: sinks need one to write idempotently.`,
        { stage: 'serde' },
      );
      return { kind: 'dead', stage: 'serde', error };
    }
    return { kind: 'item', item: { eventId, value, record } };
  }

  async function slow(codec: TopicCodec, record: LogRecord, value: Buffer): Promise<EntryOutcome> {
    let decoded: unknown;
    try {
      decoded = await codec.decode(value);
    } catch (error) {
      if (error instanceof PipelineError && error.retriable) throw error;
      return { kind: 'dead', stage: 'serde', error: asPipelineError(error, record) };
    }
    return outcomeOf(record, decoded, codec.text);
  }

  return (record) => {
    const value = record.value;
    if (value === null) return { kind: 'skip', reason: 'tombstone' };
    const codec = codecs.get(record.topic);
    if (!codec) throw new PipelineError(`The sink got a record of topic "${record.topic}" it does not consume.`);
    if (codec.fast === undefined) return slow(codec, record, value);
    let decoded: unknown;
    try {
      decoded = codec.fast(value);
    } catch (error) {
      return { kind: 'dead', stage: 'serde', error: asPipelineError(error, record) };
    }
    return decoded === NOT_FAST ? slow(codec, record, value) : outcomeOf(record, decoded, codec.text);
  };
}

/** The header that carries a record's event id (written by the sources and processors). */
export const EVENT_ID_HEADER = 'event-id';

function headerText(value: Buffer | undefined): string | undefined {
  return value === undefined ? undefined : value.toString('utf8');
}

/**
 * Decodes values framed with `schemaId` (the reader's own) in place, as the serde would (same
 * errors: InvalidRecordError for a truncated body or trailing bytes); NOT_FAST for any other framing,
 * which the serde handles (another writer id, or not the wire format at all).
 */
function ownSchemaDecoder(reader: Type, schemaId: number, topic: string): (value: Buffer) => unknown {
  return (value) => {
    if (value.length < HEADER_LENGTH || value[0] !== MAGIC_BYTE || value.readInt32BE(1) !== schemaId) return NOT_FAST;
    let reason: string;
    let cause: unknown;
    try {
      const { value: decoded, offset } = reader.decode(value, HEADER_LENGTH);
      if (offset === value.length) return decoded;
      reason = offset < 0 ? 'truncated buffer' : 'trailing data';
    } catch (error) {
      reason = (error as Error).message;
      cause = error;
    }
    throw new InvalidRecordError(
      `Cannot decode the record of topic "${topic}" written with schema id ${schemaId}: ${reason}.`,
      { stage: 'serde', component: 'serde.avro', cause },
    );
  };
}

function asPipelineError(error: unknown, record: LogRecord): PipelineError {
  if (error instanceof PipelineError) return error;
  return new InvalidRecordError(
    `Cannot decode ${record.topic}/${record.partition}@${record.offset}: ${(error as Error)?.message ?? String(error)}.`,
    { stage: 'serde', cause: error },
  );
}
