import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { receivedMessages } from './testing.js';

describe('receivedMessages (reading a receiver file as it grows)', () => {
  it('returns complete messages with the marker, multi-line ones whole, and picks up what is appended', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'received-')), 'received.log');
    writeFileSync(file, '<14>1 other\n<14>1 mark one\n<14>1 mark two\nsecond line\n<14>1 mark thr');
    expect(receivedMessages(file, 'mark')).toEqual(['<14>1 mark one', '<14>1 mark two\nsecond line']);
    appendFileSync(file, 'ee\n<14>1 unrelated\n');
    expect(receivedMessages(file, 'mark')).toEqual([
      '<14>1 mark one',
      '<14>1 mark two\nsecond line',
      '<14>1 mark three',
    ]);
    // A message another line continues after a read: still one message.
    appendFileSync(file, '<14>1 mark four\n');
    expect(receivedMessages(file, 'mark').at(-1)).toBe('<14>1 mark four');
    appendFileSync(file, 'continued ünï\n');
    expect(receivedMessages(file, 'mark').at(-1)).toBe('<14>1 mark four\ncontinued ünï');
    expect(receivedMessages(file, 'mark')).toHaveLength(4);
    expect(receivedMessages(file, 'absent')).toEqual([]);
  });

  it('starts again when the file was truncated', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'received-')), 'received.log');
    writeFileSync(file, '<14>1 mark a\n<14>1 mark b\n');
    expect(receivedMessages(file, 'mark')).toHaveLength(2);
    writeFileSync(file, '<14>1 mark c\n');
    expect(receivedMessages(file, 'mark')).toEqual(['<14>1 mark c']);
  });
});
