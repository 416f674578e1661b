import { testDatabase } from '../../test/support/sqlite.js';
import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '../errors/index.js';
import { createEmbeddedSchemaStore } from './embedded-store.js';
import { IncompatibleSchemaError, InvalidSchemaError } from './errors.js';

const record = (fields: readonly object[], name = 'Execution') =>
  JSON.stringify({ type: 'record', name, namespace: 'test.v1', fields });
const v1 = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
]);
/** Adds an optional field: readers of v2 read v1 data, so BACKWARD accepts it. */
const v2 = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'note', type: ['null', 'string'], default: null },
]);
/** Adds a required field: v1 data has no value for it. */
const requiredField = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'required', type: 'long' },
]);

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
const temporaryFile = () => {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-schemas-'));
  directories.push(directory);
  return join(directory, 'makestream.db');
};

describe('embedded schema store', () => {
  it('assigns ids from 1 and versions per subject', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    expect(await store.register('executions-value', v1)).toBe(1);
    expect(await store.register('executions-value', v2)).toBe(2);
    expect(store.versions('executions-value')).toEqual([
      { version: 1, id: 1 },
      { version: 2, id: 2 },
    ]);
    expect(await store.latestId('executions-value')).toBe(2);
  });

  it('is idempotent and shares ids across subjects, as Confluent registries do', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    const id = await store.register('a-value', v1);
    // Whitespace does not make another schema.
    expect(await store.register('a-value', JSON.stringify(JSON.parse(v1), null, 2))).toBe(id);
    expect(await store.register('b-value', v1)).toBe(id);
    expect(store.versions('a-value')).toEqual([{ version: 1, id }]);
    expect(store.versions('b-value')).toEqual([{ version: 1, id }]);
  });

  it('returns the id of an older version registered again, without a new version', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    const first = await store.register('s-value', v1);
    await store.register('s-value', v2);
    expect(await store.register('s-value', v1)).toBe(first);
    expect(store.versions('s-value')).toHaveLength(2);
  });

  it('refuses a change that breaks BACKWARD compatibility and says why', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    await store.register('s-value', v1);
    const register = store.register('s-value', requiredField);
    await expect(register).rejects.toThrow(IncompatibleSchemaError);
    await expect(store.register('s-value', requiredField)).rejects.toThrow(
      /subject "s-value" is not BACKWARD compatible with its latest version \(version 1, id 1\).*no matching field for default-less test\.v1\.Execution\.required/,
    );
    const changedType = record([
      { name: 'id', type: 'int' },
      { name: 'count', type: 'int' },
    ]);
    await expect(store.register('s-value', changedType)).rejects.toMatchObject({
      reason: 'cannot read "string" as "int"',
      subject: 's-value',
      retriable: false,
    });
    const renamed = record([{ name: 'id', type: 'string' }], 'Other');
    await expect(store.register('s-value', renamed)).rejects.toThrow(IncompatibleSchemaError);
    expect(store.versions('s-value')).toEqual([{ version: 1, id: 1 }]);
  });

  it('answers whether a schema would be accepted, without registering it', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    expect(await store.checkCompatibility('new-value', requiredField)).toEqual({ compatible: true });
    await store.register('s-value', v1);
    expect(await store.checkCompatibility('s-value', v1)).toEqual({ compatible: true });
    expect(await store.checkCompatibility('s-value', requiredField)).toEqual({
      compatible: false,
      reason: expect.stringMatching(/^not BACKWARD compatible with version 1: no matching field for default-less/),
    });
    expect(store.versions('s-value')).toEqual([{ version: 1, id: 1 }]);
    expect(store.versions('new-value')).toEqual([]);
  });

  it('accepts an unrelated schema under another subject', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    await store.register('s-value', v1);
    expect(await store.register('t-value', requiredField)).toBe(2);
  });

  it('refuses text that is not an Avro schema', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    await expect(store.register('s-value', '{"type": "record"')).rejects.toThrow(InvalidSchemaError);
    await expect(store.register('s-value', '{"type": "nope"}')).rejects.toThrow(/not a valid Avro schema/);
  });

  it('resolves ids to Types and names unknown ids and subjects', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    const id = await store.register('s-value', v1);
    const type = await store.typeById(id);
    expect(type.name).toBe('test.v1.Execution');
    expect(await store.typeById(id)).toBe(type);
    await expect(store.typeById(99)).rejects.toThrow(NotFoundError);
    await expect(store.typeById(99)).rejects.toThrow('Schema id 99 is not in the embedded schema store in :memory:.');
    await expect(store.latestId('missing-value')).rejects.toThrow(/Subject "missing-value" has no schema/);
  });

  it('keeps schemas in a file across restarts, beside other tables, with its own prefix', async () => {
    const path = temporaryFile();
    const first = createEmbeddedSchemaStore({ database: path });
    await first.register('s-value', v1);
    await first.register('s-value', v2);
    await first.close();

    const database = testDatabase(path);
    database.exec('CREATE TABLE IF NOT EXISTS log_records (id INTEGER PRIMARY KEY)');
    const second = createEmbeddedSchemaStore({ database });
    expect(await second.latestId('s-value')).toBe(2);
    expect((await second.typeById(1)).name).toBe('test.v1.Execution');
    const tables = database
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map(({ name }) => name);
    expect(tables).toEqual(['log_records', 'schema_definitions', 'schema_subject_versions']);
    // A database it was given stays open: its owner closes it.
    await second.close();
    expect(database.open).toBe(true);
    database.close();
  });

  it('agrees between two connections to one file (ids are assigned in a write transaction)', async () => {
    const path = temporaryFile();
    const one = createEmbeddedSchemaStore({ database: path });
    const two = createEmbeddedSchemaStore({ database: path });
    expect(await one.register('a-value', v1)).toBe(1);
    expect(await two.register('b-value', v2)).toBe(2);
    expect(await two.register('a-value', v1)).toBe(1);
    await expect(two.register('a-value', requiredField)).rejects.toThrow(IncompatibleSchemaError);
    expect(await one.latestId('b-value')).toBe(2);
    await one.close();
    await two.close();
  });
});
