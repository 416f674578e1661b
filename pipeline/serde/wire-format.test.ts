import { describe, it, expect } from '@jest/globals';
import { InvalidRecordError } from '../errors/index.js';
import { decodeWireFormat, encodeWireFormat, HEADER_LENGTH } from './wire-format.js';

describe('Confluent wire format', () => {
  it('frames a body as magic byte 0, big-endian schema id, body', () => {
    const framed = encodeWireFormat(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect([...framed]).toEqual([0x00, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
    expect(decodeWireFormat(framed)).toEqual({ schemaId: 0x01020304, body: Buffer.from([0xaa, 0xbb]) });
  });

  it('round-trips an empty body and the largest id', () => {
    const framed = encodeWireFormat(0x7fffffff, Buffer.alloc(0));
    expect(framed.length).toBe(HEADER_LENGTH);
    expect(decodeWireFormat(framed).schemaId).toBe(0x7fffffff);
  });

  it('refuses ids that do not fit four signed bytes', () => {
    expect(() => encodeWireFormat(-1, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeWireFormat(2 ** 31, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeWireFormat(1.5, Buffer.alloc(0))).toThrow(RangeError);
  });

  it('names an unknown magic byte, and hints at JSON', () => {
    expect(() => decodeWireFormat(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(
      /first byte is 0x01, expected the magic byte 0x00/,
    );
    expect(() => decodeWireFormat(Buffer.from('{"id":"exec-1"}'))).toThrow(/looks like JSON/);
  });

  it('refuses values too short to hold the header', () => {
    const decode = () => decodeWireFormat(Buffer.from([0, 0, 1]));
    expect(decode).toThrow(InvalidRecordError);
    expect(decode).toThrow(/3 byte\(s\), expected at least 5/);
  });
});
