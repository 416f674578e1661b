/**
 * Batch framing: a request's records encoded as Confluent wire-format values (magic byte, schema
 * id, Avro body) with one allocation and one copy per request, instead of two of each per record
 * (`TopicSerde.encode` = avsc `toBuffer` + the wire-format frame). The values are views on one
 * buffer owned by the request; nothing is reused across requests, so a value the log still holds
 * never changes.
 *
 * The bytes must equal the serde's: the encoder is built from the schema's Avro type (the same
 * schema text and parser the serde uses) and checks itself against `serde.encode` on a sample
 * record when created. If they ever differ (a serde that frames differently), it returns
 * `serde.encode` itself, so correctness never depends on the fast path.
 */
import type { Type } from 'avsc';
import { HEADER_LENGTH, MAGIC_BYTE, type TopicSerde } from '../../../pipeline/serde/index.js';

/** Encodes values that were already checked against the schema (e.g. with `type.isValid`). */
export type FramedEncoder<T> = (values: readonly T[]) => Buffer[];

/** Grown as needed and reused: only holds bytes during one synchronous call. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * An encoder of `serde`'s topic over `type` (the schema `serde` writes with). `sample`: a valid
 * value, encoded both ways once to prove the fast path writes the serde's bytes.
 */
export function createFramedEncoder<T>(type: Type, serde: TopicSerde<T>, sample: T): FramedEncoder<T> {
  const fallback: FramedEncoder<T> = (values) => values.map((value) => serde.encode(value));
  const fast: FramedEncoder<T> = (values) => {
    const ends: number[] = new Array<number>(values.length);
    let position = 0;
    for (let index = 0; index < values.length; index++) {
      let end = encodeOne(type, serde.schemaId, values[index], position);
      while (end < 0) {
        // Too small: grow (keeping what is written) and encode this value again.
        const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
        scratch.copy(grown, 0, 0, position);
        scratch = grown;
        end = encodeOne(type, serde.schemaId, values[index], position);
      }
      ends[index] = end;
      position = end;
    }
    const slab = Buffer.allocUnsafe(position);
    scratch.copy(slab, 0, 0, position);
    const framed: Buffer[] = new Array<Buffer>(values.length);
    let start = 0;
    for (let index = 0; index < values.length; index++) {
      framed[index] = slab.subarray(start, ends[index]);
      start = ends[index]!;
    }
    return framed;
  };
  const reference = serde.encode(sample);
  return fast([sample])[0]!.equals(reference) ? fast : fallback;
}

/** Writes one framed value at `position` of the scratch buffer: its end, or minus the bytes missing. */
function encodeOne(type: Type, schemaId: number, value: unknown, position: number): number {
  if (position + HEADER_LENGTH > scratch.length) return scratch.length - position - HEADER_LENGTH;
  scratch[position] = MAGIC_BYTE;
  scratch.writeInt32BE(schemaId, position + 1);
  // avsc: the position after the value, or (buffer too small) minus the bytes missing.
  return type.encode(value, scratch, position + HEADER_LENGTH);
}
