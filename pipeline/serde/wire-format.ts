/**
 * The Confluent wire format: one magic byte (0), the schema id as a 4-byte big-endian integer, then
 * the Avro binary body. Every Confluent-compatible producer and consumer (Java, librdkafka,
 * ClickHouse's AvroConfluent format, Kafka Connect) reads and writes values framed this way.
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
import { InvalidRecordError } from '../errors/index.js';

/** The only magic byte the format defines. */
export const MAGIC_BYTE = 0;
/** Bytes before the Avro body: the magic byte and the schema id. */
export const HEADER_LENGTH = 5;

/** A framed value split into its parts. */
export interface WireMessage {
  readonly schemaId: number;
  /** The Avro binary body (a view on the input, not a copy). */
  readonly body: Buffer;
}

/** Frames an Avro body with its schema id. */
export function encodeWireFormat(schemaId: number, body: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new RangeError(`Schema id ${schemaId} does not fit the wire format (an integer from 0 to 2^31-1).`);
  }
  const framed = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  framed.writeUInt8(MAGIC_BYTE, 0);
  framed.writeInt32BE(schemaId, 1);
  body.copy(framed, HEADER_LENGTH);
  return framed;
}

/** Splits a framed value; throws InvalidRecordError when it is not in the wire format. */
export function decodeWireFormat(value: Buffer): WireMessage {
  return { schemaId: readFramedSchemaId(value), body: value.subarray(HEADER_LENGTH) };
}

/**
 * The schema id of a framed value, without splitting it (the decoder's hot path reads the body in
 * place); throws InvalidRecordError when it is not in the wire format.
 */
export function readFramedSchemaId(value: Buffer): number {
  if (value.length < HEADER_LENGTH) {
    throw new InvalidRecordError(
      `Value is not in the Confluent wire format: ${value.length} byte(s), expected at least ${HEADER_LENGTH} ` +
        '(magic byte 0, 4-byte schema id, Avro body).',
      { stage: 'serde', component: 'serde.wire' },
    );
  }
  const magic = value[0]!;
  if (magic !== MAGIC_BYTE) {
    throw new InvalidRecordError(
      `Value is not in the Confluent wire format: first byte is 0x${magic.toString(16).padStart(2, '0')}, ` +
        `expected the magic byte 0x00${guessEncoding(value)}.`,
      { stage: 'serde', component: 'serde.wire' },
    );
  }
  return value.readInt32BE(1);
}

/** A hint for the usual mistake: a producer that wrote JSON or plain text instead of framed Avro. */
function guessEncoding(value: Buffer): string {
  const first = String.fromCharCode(value.readUInt8(0));
  if (first === '{' || first === '[') return ' (the value looks like JSON: was it written without the Avro serde?)';
  return '';
}
