import { describe, it, expect } from '@jest/globals';
import { InvalidRecordError } from '../errors/index.js';
import { encodeAvro, findInvalidFields, parseAvroSchema } from './avro.js';
import { InvalidSchemaError, RecordValidationError } from './errors.js';

const schema = {
  type: 'record',
  name: 'Execution',
  namespace: 'test.v1',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['UNKNOWN', 'SUCCESS'], default: 'UNKNOWN' } },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
    {
      name: 'error',
      type: ['null', { type: 'record', name: 'ErrorInfo', fields: [{ name: 'message', type: 'string' }] }],
      default: null,
    },
    { name: 'modules', type: { type: 'array', items: 'ErrorInfo' }, default: [] },
    { name: 'labels', type: { type: 'map', values: 'string' }, default: {} },
  ],
};
const type = parseAvroSchema(schema);
const valid = { id: 'e1', status: 'SUCCESS', timestamp: 1_767_226_541_512, error: null, modules: [], labels: {} };

describe('parseAvroSchema', () => {
  it('keeps timestamps as epoch-ms numbers and optional fields unwrapped', () => {
    const value = { ...valid, error: { message: 'boom' } };
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it('says why text is not a schema', () => {
    expect(() => parseAvroSchema('{not json')).toThrow(InvalidSchemaError);
    expect(() => parseAvroSchema({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] })).toThrow(
      /not a valid Avro schema: .*nope/,
    );
  });
});

describe('findInvalidFields', () => {
  it('finds nothing in a valid record', () => {
    expect(findInvalidFields(type, valid)).toEqual([]);
  });

  it('names every field at fault with a readable path', () => {
    const invalid = findInvalidFields(type, {
      ...valid,
      status: 'DONE',
      timestamp: new Date(0),
      error: { message: 7 },
      modules: [{ message: 'ok' }, { message: null }],
      labels: { 'x-team': 42 },
    });
    expect(invalid).toEqual([
      { path: 'status', expected: 'test.v1.Status', found: 'string "DONE"' },
      { path: 'timestamp', expected: 'long', found: 'Date (use epoch milliseconds)' },
      { path: 'error.message', expected: 'string', found: 'number 7' },
      { path: 'modules[1].message', expected: 'string', found: 'null' },
      { path: 'labels["x-team"]', expected: 'string', found: 'number 42' },
    ]);
  });

  it('reports a missing field as undefined', () => {
    const { id: _id, ...withoutId } = valid;
    expect(findInvalidFields(type, withoutId)).toEqual([
      { path: 'id', expected: 'string', found: 'undefined (field missing)' },
    ]);
  });
});

describe('encodeAvro', () => {
  it('throws RecordValidationError (an InvalidRecordError) listing the paths', () => {
    const encode = () =>
      encodeAvro(type, { ...valid, status: 'DONE', modules: [{ message: 1 }] }, 'Record for topic "t"');
    expect(encode).toThrow(RecordValidationError);
    expect(encode).toThrow(InvalidRecordError);
    expect(encode).toThrow(
      'Record for topic "t" does not match its schema test.v1.Execution: status: expected test.v1.Status, found string "DONE"; ' +
        'modules[0].message: expected string, found number 1.',
    );
    try {
      encode();
    } catch (error) {
      expect((error as RecordValidationError).paths).toEqual(['status', 'modules[0].message']);
      expect((error as RecordValidationError).retriable).toBe(false);
      expect((error as RecordValidationError).stage).toBe('serde');
    }
  });

  it('shortens long strings in messages', () => {
    const encode = () => encodeAvro(type, { ...valid, status: 'x'.repeat(100) }, 'Record');
    expect(encode).toThrow(`found string "${'x'.repeat(40)}…"`);
  });

  it('refuses longs beyond 2^53 instead of losing precision', () => {
    expect(() => encodeAvro(type, { ...valid, timestamp: 2 ** 60 }, 'Record')).toThrow(/timestamp: expected long/);
  });
});
