import { describe, expect, it } from '@jest/globals';
import { frameMessages } from './framing.js';
import { createRelpParser, encodeRelpFrame, type RelpFrame } from './relp.js';

describe('RELP frames', () => {
  it('encodes TXNR, command, byte length and data, ending in LF', () => {
    expect(encodeRelpFrame(7, 'syslog', 'héllo').toString('utf8')).toBe('7 syslog 6 héllo\n');
    expect(encodeRelpFrame(3, 'close').toString()).toBe('3 close 0\n');
  });

  it('parses responses split anywhere across chunks, including data with line breaks', () => {
    const frames: RelpFrame[] = [];
    const parse = createRelpParser((frame) => frames.push(frame));
    const bytes = Buffer.from('1 rsp 6 200 OK\n2 rsp 16 200 OK\nmore=text\n0 serverclose 0\n');
    for (let index = 0; index < bytes.length; index += 5) parse(bytes.subarray(index, index + 5));
    expect(frames.map((frame) => [frame.txnr, frame.command, frame.data.toString()])).toEqual([
      [1, 'rsp', '200 OK'],
      [2, 'rsp', '200 OK\nmore=text'],
      [0, 'serverclose', ''],
    ]);
  });
});

describe('syslog TCP framing', () => {
  it('prefixes each message with its UTF-8 byte length (octet counting)', () => {
    expect(frameMessages(['<14>1 - - - - - - é', 'b'], 'octet-counting').toString()).toBe('20 <14>1 - - - - - - é1 b');
  });

  it('ends each message with LF and writes line breaks inside it as \\n (newline framing)', () => {
    expect(frameMessages(['a\nb\r\nc', 'd'], 'newline').toString()).toBe('a\\nb\\nc\nd\n');
  });
});
