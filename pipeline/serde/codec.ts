/**
 * The hot path of the serde: Avro bodies in the Confluent wire format, with the fewest allocations
 * and copies avsc allows. The bytes are exactly those of `encodeWireFormat(id, type.toBuffer(v))`
 * (the wire format does not change); only the work differs:
 * - encode writes the 5-byte header and the Avro body into one reused scratch buffer, then copies
 *   once into a buffer of the exact size (`toBuffer` + framing allocated and copied twice);
 * - decode reads the body in place from offset 5 (no `subarray` view, no `{ schemaId, body }`
 *   object per record).
 *
 * The scratch buffer is shared by every encoder of the process. That is safe because encoding is
 * synchronous and never re-enters (no logical types are registered, see `avro.ts`).
 */
import type { Type } from 'avsc';
import { PipelineError, InvalidRecordError } from '../errors/index.js';
import { type AvroResolver, encodeAvro } from './avro.js';
import { HEADER_LENGTH, MAGIC_BYTE } from './wire-format.js';

/** Initial size of the shared scratch buffer; it doubles when a value does not fit. */
const INITIAL_SCRATCH_BYTES = 64 * 1024;

let scratch = Buffer.allocUnsafeSlow(INITIAL_SCRATCH_BYTES);

/** Grows the shared scratch buffer to hold at least `bytes`. */
function growScratch(bytes: number): void {
  let size = scratch.length * 2;
  while (size < bytes) size *= 2;
  scratch = Buffer.allocUnsafeSlow(size);
}

/**
 * An encoder of values of `type` framed with `schemaId`. Invalid values throw the
 * RecordValidationError of {@link encodeAvro} (every field at fault named, prefixed by `context`).
 */
export function createFramedEncoder(type: Type, schemaId: number, context: string): (value: unknown) => Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new RangeError(`Schema id ${schemaId} does not fit the wire format (an integer from 0 to 2^31-1).`);
  }
  return (value) => {
    let end: number;
    try {
      end = type.encode(value, scratch, HEADER_LENGTH);
      // Negative: the body did not fit (minus the bytes missing); avsc wrote nothing useful.
      if (end < 0) {
        growScratch(scratch.length - end);
        end = type.encode(value, scratch, HEADER_LENGTH);
      }
    } catch {
      // The slow path names every field at fault (and throws); valid values never come here.
      encodeAvro(type, value, context);
      throw new Error(`${context}: avsc refused to encode a value it validates.`);
    }
    scratch[0] = MAGIC_BYTE;
    scratch.writeInt32BE(schemaId, 1);
    const framed = Buffer.allocUnsafe(end);
    scratch.copy(framed, 0, 0, end);
    return framed;
  };
}

/**
 * Decodes the Avro body of a framed value (header checked by `readFramedSchemaId`) read with `reader`, through
 * `resolver` when the writer's schema differs. A body that does not parse (truncated, trailing
 * bytes, garbage) is InvalidRecordError naming `what`.
 */
export function decodeFramedBody(reader: Type, value: Buffer, resolver: AvroResolver | null, what: string): unknown {
  let reason: string;
  let cause: unknown;
  try {
    const decoded = reader.decode(value, HEADER_LENGTH, resolver ?? undefined);
    if (decoded.offset === value.length) return decoded.value;
    reason = decoded.offset < 0 ? 'truncated buffer' : 'trailing data';
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    reason = (error as Error).message;
    cause = error;
  }
  throw new InvalidRecordError(`Cannot decode the ${what}: ${reason}.`, {
    stage: 'serde',
    component: 'serde.avro',
    ...(cause === undefined ? {} : { cause }),
  });
}
