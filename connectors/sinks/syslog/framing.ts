/**
 * Syslog over TCP frames (RFC 6587): octet counting (`<length> <message>`, length in bytes of the
 * UTF-8 message, as RFC 5425 requires on TLS) or non-transparent framing (message + LF), where a
 * line break inside a message would end it early, so it is written as the two characters `\n`.
 *
 * A batch becomes one buffer, allocated once at its exact size: the socket gets one write per batch
 * and no message is copied twice (bench/siem/syslog-sink.ts).
 */

const LINE_BREAK = /[\r\n]/;

/** Bytes of the decimal form of `value` (a byte count, so a non-negative integer). */
function digits(value: number): number {
  let count = 1;
  while (value >= 10) {
    value = Math.floor(value / 10);
    count += 1;
  }
  return count;
}

/** Writes `value` in decimal at `offset` (taking `width` bytes); returns the offset after it. */
function writeDecimal(buffer: Buffer, offset: number, value: number, width: number): number {
  for (let position = offset + width - 1; position >= offset; position--) {
    buffer[position] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return offset + width;
}

/** One frame per message, concatenated. */
export function frameMessages(messages: readonly string[], framing: 'octet-counting' | 'newline'): Buffer {
  const bodies: string[] = new Array<string>(messages.length);
  const sizes: number[] = new Array<number>(messages.length);
  let total = 0;
  for (let index = 0; index < messages.length; index++) {
    let body = messages[index]!;
    if (framing === 'newline' && LINE_BREAK.test(body)) body = body.replace(/\r\n|[\r\n]/g, '\\n');
    const size = Buffer.byteLength(body, 'utf8');
    bodies[index] = body;
    sizes[index] = size;
    total += framing === 'newline' ? size + 1 : digits(size) + 1 + size;
  }
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let index = 0; index < bodies.length; index++) {
    const size = sizes[index]!;
    if (framing === 'octet-counting') {
      offset = writeDecimal(buffer, offset, size, digits(size));
      buffer[offset++] = 0x20;
    }
    offset += buffer.write(bodies[index]!, offset, size, 'utf8');
    if (framing === 'newline') buffer[offset++] = 0x0a;
  }
  // Every byte is written (sizes are exact), so no stale memory of allocUnsafe leaves the process.
  if (offset !== total) throw new Error(`syslog framing wrote ${offset} of ${total} bytes (a bug in framing.ts)`);
  return buffer;
}
