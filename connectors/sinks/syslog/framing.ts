/**
 * Syslog over TCP frames (RFC 6587): octet counting (`<length> <message>`, length in bytes of the
 * UTF-8 message, as RFC 5425 requires on TLS) or non-transparent framing (message + LF), where a
 * line break inside a message would end it early, so it is written as the two characters `\n`.
 */

/** One frame per message, concatenated. */
export function frameMessages(messages: readonly string[], framing: 'octet-counting' | 'newline'): Buffer {
  const parts: Buffer[] = [];
  for (const message of messages) {
    if (framing === 'newline') {
      parts.push(Buffer.from(`${message.replace(/\r\n|[\r\n]/g, '\\n')}\n`, 'utf8'));
    } else {
      const body = Buffer.from(message, 'utf8');
      parts.push(Buffer.from(`${body.length} `, 'ascii'), body);
    }
  }
  return Buffer.concat(parts);
}
