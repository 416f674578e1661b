/**
 * JSON text written straight into a growing UTF-8 byte buffer: no per-value strings, no joined
 * string to flatten and encode later. Each method writes exactly the bytes that
 * `Buffer.from(JSON.stringify(value))` would give for its kind of value (string literals with the
 * same escapes, numbers as `String(n)`, non-finite numbers as `null`), which the property tests of
 * `json-bytes.test.ts` hold it to.
 *
 * A class rather than a factory of closures: the writer runs a few dozen times per document, and
 * V8 keeps the buffer and the position in the object's own fields (one map, monomorphic calls).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';
/** Longer strings are checked with one regular expression and copied natively when plain. */
const LONG_TEXT = 32;
/** A character JSON.stringify escapes, or one that is not ASCII (more than one UTF-8 byte). */
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[\u0000-\u001f"\\\u007f-\uffff]/;

/**
 * The escape of each ASCII control character as JSON.stringify writes it (`\n`, `\u001f`, …),
 * as bytes; 0 for the characters written as they are.
 */
const controlEscapes: readonly Uint8Array[] = Array.from({ length: 0x20 }, (_, code) =>
  Buffer.from(JSON.stringify(String.fromCharCode(code)).slice(1, -1), 'latin1'),
);

/** ASCII text as bytes (keys, punctuation, constant fragments of a document). */
export const asciiBytes = (text: string): Uint8Array => {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`asciiBytes: ${JSON.stringify(text)} is not printable ASCII`);
  return Buffer.from(text, 'latin1');
};

/** Node's Buffer#latin1Write: not in the typings, and the documented `write` checks more per call. */
interface Latin1Writer {
  latin1Write(text: string, offset: number, length: number): number;
}

/** Copies Latin-1 text into `buffer` natively (through `write` where `latin1Write` is missing). */
const latin1Write: (buffer: Buffer, text: string, offset: number, length: number) => void =
  typeof (Buffer.prototype as Partial<Latin1Writer>).latin1Write === 'function'
    ? (buffer, text, offset, length) => void (buffer as unknown as Latin1Writer).latin1Write(text, offset, length)
    : (buffer, text, offset, length) => void buffer.write(text, offset, length, 'latin1');

/**
 * Writes `text` from code unit `from` on as the inside of a JSON string literal (UTF-8, the escapes
 * of JSON.stringify) at `position`, which has room; returns the position after it.
 */
function escaped(buffer: Buffer, position: number, text: string, from: number): number {
  const count = text.length;
  for (let i = from; i < count; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if (code >= 0x20 && code !== QUOTE && code !== BACKSLASH) {
        buffer[position++] = code;
      } else if (code < 0x20) {
        const escape = controlEscapes[code]!;
        for (let j = 0; j < escape.length; j += 1) buffer[position++] = escape[j]!;
      } else {
        buffer[position++] = BACKSLASH;
        buffer[position++] = code;
      }
    } else if (code < 0x800) {
      buffer[position++] = 0xc0 | (code >> 6);
      buffer[position++] = 0x80 | (code & 0x3f);
    } else if (code < 0xd800 || code > 0xdfff) {
      buffer[position++] = 0xe0 | (code >> 12);
      buffer[position++] = 0x80 | ((code >> 6) & 0x3f);
      buffer[position++] = 0x80 | (code & 0x3f);
    } else {
      const next = i + 1 < count ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        buffer[position++] = 0xf0 | (point >> 18);
        buffer[position++] = 0x80 | ((point >> 12) & 0x3f);
        buffer[position++] = 0x80 | ((point >> 6) & 0x3f);
        buffer[position++] = 0x80 | (point & 0x3f);
        i += 1;
      } else {
        // A lone surrogate: JSON.stringify (well-formed since ES2019) writes `\udxxx`.
        buffer[position++] = BACKSLASH;
        buffer[position++] = 0x75; // u
        buffer[position++] = HEX.charCodeAt(code >> 12);
        buffer[position++] = HEX.charCodeAt((code >> 8) & 0xf);
        buffer[position++] = HEX.charCodeAt((code >> 4) & 0xf);
        buffer[position++] = HEX.charCodeAt(code & 0xf);
      }
    }
  }
  return position;
}

/** A growing buffer of UTF-8 JSON text. */
export class JsonBytes {
  /** The bytes written so far are `buffer[0, length)`. */
  buffer: Buffer;
  length = 0;

  /** `capacity`: a first guess; the buffer doubles as needed. */
  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, capacity));
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** One byte (ASCII punctuation). */
  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** Constant bytes (see {@link asciiBytes}). */
  bytes(value: Uint8Array): void {
    const count = value.length;
    this.reserve(count);
    const buffer = this.buffer;
    let position = this.length;
    if (count > 64) {
      buffer.set(value, position);
      this.length = position + count;
      return;
    }
    // A loop beats TypedArray#set for the short fragments a document is made of.
    for (let i = 0; i < count; i += 1) buffer[position++] = value[i]!;
    this.length = position;
  }

  /** Text known to be ASCII with nothing to escape (ISO times, number text), unquoted. */
  ascii(text: string): void {
    const count = text.length;
    this.reserve(count);
    const buffer = this.buffer;
    let position = this.length;
    for (let i = 0; i < count; i += 1) buffer[position++] = text.charCodeAt(i);
    this.length = position;
  }

  /** UTF-8 text as it is (already JSON), unquoted. */
  utf8(text: string): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    this.reserve(3 * text.length);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** `JSON.stringify(text)`, as UTF-8. */
  string(text: string): void {
    const count = text.length;
    if (count > LONG_TEXT && !NEEDS_WORK.test(text)) {
      // Printable ASCII with nothing to escape (most messages): one native copy.
      this.reserve(count + 2);
      const buffer = this.buffer;
      buffer[this.length] = QUOTE;
      latin1Write(buffer, text, this.length + 1, count);
      buffer[this.length + count + 1] = QUOTE;
      this.length += count + 2;
      return;
    }
    // Worst case: every code unit a six-byte `\u00xx` or lone-surrogate escape, plus the quotes.
    this.reserve(6 * count + 2);
    const buffer = this.buffer;
    let position = this.length;
    buffer[position++] = QUOTE;
    let i = 0;
    // The plain run (printable ASCII) in a tight loop; the rest, if any, in `escaped`.
    for (; i < count; i += 1) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code === QUOTE || code === BACKSLASH || code > 0x7e) break;
      buffer[position++] = code;
    }
    if (i < count) position = escaped(buffer, position, text, i);
    buffer[position++] = QUOTE;
    this.length = position;
  }

  /** A number as JSON.stringify writes it: `String(n)`, or `null` when not finite. */
  number(value: number): void {
    if (Number.isFinite(value)) this.numberText(value);
    else this.ascii('null');
  }

  /** `String(value)` of a number (digits written directly for safe integers). */
  numberText(value: number): void {
    if (!Number.isSafeInteger(value) || value === 0) {
      this.ascii(String(value)); // also -0, written "0" by both
      return;
    }
    this.reserve(17);
    const buffer = this.buffer;
    let rest = value;
    if (rest < 0) {
      buffer[this.length++] = 0x2d; // -
      rest = -rest;
    }
    let digits = 1;
    for (let power = 10; power <= rest; power *= 10) digits += 1;
    let position = this.length + digits;
    this.length = position;
    while (rest > 0) {
      const next = Math.floor(rest / 10);
      buffer[--position] = 0x30 + (rest - next * 10);
      rest = next;
    }
  }

  /** A JSON value of unknown type, through JSON.stringify (`null` for what it leaves out). */
  value(value: unknown): void {
    if (typeof value === 'string') this.string(value);
    else this.utf8(JSON.stringify(value) ?? 'null');
  }

  /** `JSON.stringify(list)` of an Avro `array<string>` (other items through JSON.stringify). */
  stringList(list: readonly unknown[]): void {
    this.byte(0x5b); // [
    for (let i = 0; i < list.length; i += 1) {
      if (i > 0) this.byte(0x2c); // ,
      this.value(list[i]);
    }
    this.byte(0x5d); // ]
  }
}
