import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { findInvalidFields } from '../pipeline/serde/avro.js';
import { type Json, lintSchemaFile, loadSchemaCatalog } from './catalog.js';
import { exampleEvents } from './examples.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
const folderWith = (files: Record<string, Json>): string => {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-avsc-'));
  directories.push(directory);
  for (const [name, schema] of Object.entries(files)) writeFileSync(join(directory, name), JSON.stringify(schema));
  return directory;
};

const status = { type: 'enum', name: 'Status', doc: 'd', symbols: ['UNKNOWN', 'OK'], default: 'UNKNOWN' };
const event = (fields: Json[], name = 'Event'): { [key: string]: Json } => ({
  type: 'record',
  name,
  namespace: 'com.makestream.v1',
  doc: 'An event.',
  fields,
});

describe('schema catalog', () => {
  const catalog = loadSchemaCatalog();

  it('holds the v1 event schemas, each following the house rules', () => {
    expect(catalog.files.map((file) => file.fullName)).toEqual([
      'com.makestream.v1.Anomaly',
      'com.makestream.v1.AuditEvent',
      'com.makestream.v1.DeadLetter',
      'com.makestream.v1.EnrichedLog',
      'com.makestream.v1.Incident',
      'com.makestream.v1.MetricWindow',
      'com.makestream.v1.ModuleLog',
      'com.makestream.v1.ScenarioCatalogEntry',
      'com.makestream.v1.ScenarioExecution',
      'com.makestream.v1.WebhookEvent',
    ]);
  });

  it('has files that parse on their own, as a registry sees them (self-contained, no references)', () => {
    for (const file of catalog.files) {
      expect(() => avro.Type.forSchema(JSON.parse(file.text) as avro.Schema)).not.toThrow();
    }
  });

  it('accepts the example event of every schema', () => {
    for (const file of catalog.files) {
      const example = exampleEvents[file.fullName as keyof typeof exampleEvents];
      expect({ schema: file.fullName, invalid: findInvalidFields(file.type, example) }).toEqual({
        schema: file.fullName,
        invalid: [],
      });
      expect(file.type.fromBuffer(file.type.toBuffer(example))).toEqual(example);
    }
  });

  it("maps Make's execution status codes to an enum with UNKNOWN as default", () => {
    const type = catalog.byName('com.makestream.v1.ScenarioExecution').type as avro.types.RecordType;
    const field = type.field('status');
    expect(field.type.typeName).toBe('enum');
    expect((field.type as avro.types.EnumType).symbols).toEqual(['UNKNOWN', 'RUNNING', 'SUCCESS', 'WARNING', 'ERROR']);
  });

  describe('house rules', () => {
    it('want a doc on every record, enum and field', () => {
      const schema = event([
        { name: 'a', type: 'string' },
        { name: 'status', type: { ...status, doc: '' }, doc: 'd' },
      ]);
      delete schema.doc;
      expect(lintSchemaFile('event.avsc', schema)).toEqual([
        'Event: record Event has no doc',
        'Event.a: field has no doc',
        'Event.status: enum Status has no doc',
      ]);
    });

    it('want UNKNOWN as the default of every enum', () => {
      const schema = event([{ name: 'status', type: { ...status, default: 'OK' }, doc: 'd' }]);
      expect(lintSchemaFile('event.avsc', schema)).toEqual([
        'Event.status: enum Status needs the symbol UNKNOWN and "default": "UNKNOWN"',
      ]);
    });

    it('want optional fields as ["null", T] with a null default', () => {
      const schema = event([
        { name: 'a', type: ['string', 'null'], doc: 'd' },
        { name: 'b', type: ['null', 'string'], doc: 'd' },
        { name: 'c', type: ['null', 'string', 'long'], default: null, doc: 'd' },
      ]);
      expect(lintSchemaFile('event.avsc', schema)).toEqual([
        'Event.a: an optional field needs "default": null',
        'Event.a: unions must be ["null", T] (optional fields)',
        'Event.b: an optional field needs "default": null',
        'Event.c: unions must be ["null", T] (optional fields)',
      ]);
    });

    it('want times as timestamp-millis longs and no other logical type', () => {
      const schema = event([
        { name: 'createdAt', type: 'long', doc: 'd' },
        { name: 'day', type: { type: 'int', logicalType: 'date' }, doc: 'd' },
      ]);
      expect(lintSchemaFile('event.avsc', schema)).toEqual([
        'Event.createdAt: times are {"type": "long", "logicalType": "timestamp-millis"}',
        'Event.day: logical type date on int is not supported',
      ]);
    });

    it('want the file named after its record and a versioned namespace', () => {
      const schema = { ...event([]), namespace: 'com.makestream' };
      expect(lintSchemaFile('other.avsc', schema)).toEqual([
        'namespace must match /^com\\.makestream\\.v[1-9][0-9]*$/ (found "com.makestream")',
        'a record named Event belongs in event.avsc',
      ]);
    });

    it('want shared types identical in every file that defines them', () => {
      const directory = folderWith({
        'first.avsc': event([{ name: 'status', type: status, doc: 'd' }], 'First'),
        'second.avsc': event(
          [{ name: 'status', type: { ...status, symbols: ['UNKNOWN', 'OK', 'NEW'] }, doc: 'd' }],
          'Second',
        ),
      });
      expect(() => loadSchemaCatalog(directory)).toThrow(
        'second.avsc: com.makestream.v1.Status differs from its definition in first.avsc; shared types must be identical',
      );
    });

    it('see shared types as identical wherever each file first defines them', () => {
      const info = { type: 'record', name: 'Info', doc: 'd', fields: [{ name: 'x', type: 'string', doc: 'd' }] };
      const holder = { type: 'record', name: 'Holder', doc: 'd', fields: [{ name: 'info', type: info, doc: 'd' }] };
      const holderByName = { ...holder, fields: [{ name: 'info', type: 'Info', doc: 'd' }] };
      const directory = folderWith({
        'first.avsc': event([{ name: 'holder', type: holder, doc: 'd' }], 'First'),
        'second.avsc': event(
          [
            { name: 'info', type: info, doc: 'd' },
            { name: 'holder', type: holderByName, doc: 'd' },
          ],
          'Second',
        ),
      });
      expect(loadSchemaCatalog(directory).files).toHaveLength(2);
    });

    it('report every problem of every file at once', () => {
      const directory = folderWith({
        'first.avsc': event([{ name: 'a', type: 'string' }], 'First'),
        'second.avsc': event([{ name: 'b', type: 'string' }], 'Second'),
      });
      expect(() => loadSchemaCatalog(directory)).toThrow(
        /first\.avsc: First\.a: field has no doc\n {2}second\.avsc: Second\.b/,
      );
    });
  });
});
