import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { frameMessages } from './framing.js';

/** The framing written the plain way (a buffer per piece, then concat): the oracle. */
function plainFrames(messages: readonly string[], framing: 'octet-counting' | 'newline'): Buffer {
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

const message = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '\n', '\r', 'é', '😀', '\uD800', ' '), maxLength: 120 }),
  // Sizes around the points where the length gains a digit.
  fc.constantFrom(9, 10, 99, 100, 999, 1000, 10_000).map((size) => 'x'.repeat(size)),
);

describe('syslog TCP framing (one buffer per batch)', () => {
  it.each(['octet-counting', 'newline'] as const)('%s: the same bytes as framing each message alone', (framing) => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), (messages) => {
        expect(frameMessages(messages, framing).equals(plainFrames(messages, framing))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('frames an empty message and an empty batch', () => {
    expect(frameMessages(['', 'a'], 'octet-counting').toString()).toBe('0 1 a');
    expect(frameMessages([], 'newline')).toHaveLength(0);
  });
});
