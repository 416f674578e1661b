/**
 * The `string` value codec (`stringTopic`): a string value is its UTF-8 bytes, nothing more, so a
 * consumer such as `kcat -C -f '%s\n'` prints the value as it is. Shared by the runner's codec
 * (`serde-codec.ts`) and the test driver's (`catalog-codec.ts`) so both hosts agree byte for byte.
 */
import { InvalidRecordError } from '../errors/index.js';

/** Strict decoder: bytes that are not UTF-8 are refused rather than turned into U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encodes a string value; anything else is an invalid record naming the topic and the type given. */
export function encodeStringValue(topic: string, value: unknown): Buffer {
  if (typeof value !== 'string') {
    throw new InvalidRecordError(
      `A value for topic "${topic}" must be a string (the topic's codec is "string"), got ${value === null ? 'null' : typeof value}.`,
      { stage: 'serde', component: 'serde.string' },
    );
  }
  return Buffer.from(value, 'utf8');
}

/** Decodes a string value; bytes that are not valid UTF-8 are an invalid record. */
export function decodeStringValue(topic: string, value: Buffer): string {
  try {
    return utf8.decode(value);
  } catch (error) {
    throw new InvalidRecordError(`A value of topic "${topic}" is not valid UTF-8: ${(error as Error).message}`, {
      stage: 'serde',
      component: 'serde.string',
    });
  }
}
