import { testDatabase } from '../../test/support/sqlite.js';
import { describe, it, expect, beforeEach } from '@jest/globals';
import type { Type } from 'avsc';
import { ConfigError, InvalidRecordError, NotFoundError, RetriableError } from '../errors/index.js';
import { createEmbeddedSchemaStore, type EmbeddedSchemaStore } from './embedded-store.js';
import { IncompatibleSchemaError, RecordValidationError } from './errors.js';
import type { SchemaStore } from './schema-store.js';
import { createAvroSerde } from './serde.js';
import { encodeWireFormat } from './wire-format.js';

const topic = 'make.executions.raw.v1';
const status = (symbols: readonly string[]) => ({ type: 'enum', name: 'Status', symbols, default: 'UNKNOWN' });
const schema = (fields: readonly object[]) => ({ type: 'record', name: 'Execution', namespace: 'test.v1', fields });

const v1 = schema([
  { name: 'id', type: 'string' },
  { name: 'status', type: status(['UNKNOWN', 'SUCCESS', 'ERROR', 'PAUSED']) },
  { name: 'operations', type: 'int' },
]);
/** v2: a new optional field, `operations` promoted to long, one enum symbol dropped. */
const v2 = schema([
  { name: 'id', type: 'string' },
  { name: 'status', type: status(['UNKNOWN', 'SUCCESS', 'ERROR']) },
  { name: 'operations', type: 'long' },
  { name: 'centicredits', type: ['null', 'long'], default: null },
]);

interface V1Record {
  id: string;
  status: string;
  operations: number;
}
interface V2Record extends V1Record {
  centicredits: number | null;
}

/** The embedded store, counting the schema lookups that reach it. */
function countingStore(inner: SchemaStore): SchemaStore & { lookups: number; failNext: number } {
  const store = {
    lookups: 0,
    failNext: 0,
    description: inner.description,
    register: (subject: string, text: string) => inner.register(subject, text),
    checkCompatibility: (subject: string, text: string) => inner.checkCompatibility(subject, text),
    latestId: (subject: string) => inner.latestId(subject),
    close: () => inner.close(),
    async typeById(id: number): Promise<Type> {
      store.lookups += 1;
      if (store.failNext > 0) {
        store.failNext -= 1;
        throw new RetriableError('registry down');
      }
      return inner.typeById(id);
    },
  };
  return store;
}

let embedded: EmbeddedSchemaStore;
beforeEach(() => {
  embedded = createEmbeddedSchemaStore({ database: testDatabase() });
});

describe('Avro serde', () => {
  it('registers under <topic>-value and round-trips in the wire format', async () => {
    const serde = createAvroSerde({ store: embedded });
    const executions = await serde.forTopic<V1Record>(topic, v1);
    expect(executions.subject).toBe('make.executions.raw.v1-value');
    expect(executions.schemaName).toBe('test.v1.Execution');
    expect(embedded.versions('make.executions.raw.v1-value')).toEqual([{ version: 1, id: executions.schemaId }]);

    const record = { id: 'e1', status: 'SUCCESS', operations: 7 };
    const framed = executions.encode(record);
    expect(framed.readUInt8(0)).toBe(0);
    expect(framed.readInt32BE(1)).toBe(executions.schemaId);
    expect(await executions.decode(framed)).toEqual(record);
    expect(await serde.decode(framed)).toEqual(record);
  });

  it('binds a topic once per process and refuses a second schema for it', async () => {
    const serde = createAvroSerde({ store: embedded });
    const [first, second] = await Promise.all([serde.forTopic(topic, v1), serde.forTopic(topic, JSON.stringify(v1))]);
    expect(second).toBe(first);
    await expect(serde.forTopic(topic, v2)).rejects.toThrow(ConfigError);
    expect(embedded.versions('make.executions.raw.v1-value')).toHaveLength(1);
  });

  describe('schema evolution', () => {
    it('decodes records written with the older schema into the newer reader', async () => {
      const oldProcess = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const written = [
        oldProcess.encode({ id: 'e1', status: 'SUCCESS', operations: 7 }),
        oldProcess.encode({ id: 'e2', status: 'PAUSED', operations: 1 }),
      ];

      const newProcess = await createAvroSerde({ store: embedded }).forTopic<V2Record>(topic, v2);
      expect(newProcess.schemaId).not.toBe(oldProcess.schemaId);
      expect(await newProcess.decode(written[0] as Buffer)).toEqual({
        id: 'e1',
        status: 'SUCCESS',
        operations: 7,
        centicredits: null,
      });
      // A symbol the reader does not know becomes the enum's default.
      expect(await newProcess.decode(written[1] as Buffer)).toMatchObject({ id: 'e2', status: 'UNKNOWN' });
      // New records carry the new schema id and the new field.
      const fresh = newProcess.encode({ id: 'e3', status: 'ERROR', operations: 2 ** 40, centicredits: 700 });
      expect(fresh.readInt32BE(1)).toBe(newProcess.schemaId);
      expect(await newProcess.decode(fresh)).toEqual({
        id: 'e3',
        status: 'ERROR',
        operations: 2 ** 40,
        centicredits: 700,
      });
    });

    it('lets a process still on the older schema read newer records when the change allows it', async () => {
      const oldProcess = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const withNote = schema([...v1.fields, { name: 'note', type: ['null', 'string'], default: null }]);
      const newProcess = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, withNote);
      const framed = newProcess.encode({ id: 'e4', status: 'SUCCESS', operations: 3, note: 'hi' } as V1Record);
      // The field it does not know is skipped.
      expect(await oldProcess.decode(framed)).toEqual({ id: 'e4', status: 'SUCCESS', operations: 3 });
      // But int promoted to long cannot be read back as int (BACKWARD only, not FORWARD).
      const promoted = await createAvroSerde({ store: embedded }).forTopic<V2Record>(topic, v2);
      await expect(
        oldProcess.decode(promoted.encode({ id: 'e5', status: 'SUCCESS', operations: 1, centicredits: null })),
      ).rejects.toThrow(/cannot read "long" as "int"/);
    });

    it('refuses to read records whose writer schema the reader cannot resolve', async () => {
      const other = await createAvroSerde({ store: embedded }).forTopic('other-topic', {
        type: 'record',
        name: 'Unrelated',
        namespace: 'test.v1',
        fields: [{ name: 'x', type: 'int' }],
      });
      const executions = await createAvroSerde({ store: embedded }).forTopic(topic, v1);
      const decode = executions.decode(other.encode({ x: 1 }));
      await expect(decode).rejects.toThrow(IncompatibleSchemaError);
      await expect(executions.decode(other.encode({ x: 1 }))).rejects.toThrow(
        `Records of topic "${topic}" written with schema id ${other.schemaId} (test.v1.Unrelated) cannot be read as schema id ${executions.schemaId} (test.v1.Execution)`,
      );
    });
  });

  describe('caches', () => {
    it('looks a writer schema up once per id, never per message, also under concurrency', async () => {
      await createAvroSerde({ store: embedded }).forTopic(topic, v1);
      const old = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const store = countingStore(embedded);
      const reader = await createAvroSerde({ store }).forTopic<V2Record>(topic, v2);
      const framed = old.encode({ id: 'e', status: 'SUCCESS', operations: 1 });

      const decoded = await Promise.all(Array.from({ length: 50 }, () => reader.decode(framed)));
      for (let i = 0; i < 50; i++) await reader.decode(framed);
      expect(decoded).toHaveLength(50);
      expect(store.lookups).toBe(1);
      // Records in the reader's own schema need no lookup at all.
      await reader.decode(reader.encode({ id: 'e', status: 'SUCCESS', operations: 1, centicredits: null }));
      expect(store.lookups).toBe(1);
    });

    it('tries a failed lookup again on the next record', async () => {
      const old = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const store = countingStore(embedded);
      const reader = await createAvroSerde({ store }).forTopic<V2Record>(topic, v2);
      const framed = old.encode({ id: 'e', status: 'SUCCESS', operations: 1 });
      store.failNext = 1;
      await expect(reader.decode(framed)).rejects.toThrow(RetriableError);
      await expect(reader.decode(framed)).resolves.toMatchObject({ id: 'e' });
      expect(store.lookups).toBe(2);
    });
  });

  describe('batches', () => {
    it('decodes a batch of mixed writer schemas in order, resolving each writer once', async () => {
      const old = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const store = countingStore(embedded);
      const reader = await createAvroSerde({ store }).forTopic<V2Record>(topic, v2);
      const values = [
        old.encode({ id: 'a', status: 'SUCCESS', operations: 1 }),
        reader.encode({ id: 'b', status: 'ERROR', operations: 2, centicredits: 5 }),
        old.encode({ id: 'c', status: 'PAUSED', operations: 3 }),
      ];
      expect(await reader.decodeMany(values)).toEqual([
        { id: 'a', status: 'SUCCESS', operations: 1, centicredits: null },
        { id: 'b', status: 'ERROR', operations: 2, centicredits: 5 },
        { id: 'c', status: 'UNKNOWN', operations: 3, centicredits: null },
      ]);
      expect(await reader.decodeMany(values)).toHaveLength(3);
      expect(store.lookups).toBe(1);
      expect(await reader.decodeMany([])).toEqual([]);
    });

    it('fails a batch with the first value that is not framed Avro', async () => {
      const executions = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const good = executions.encode({ id: 'e1', status: 'SUCCESS', operations: 7 });
      await expect(executions.decodeMany([good, Buffer.from('{"id":"x"}')])).rejects.toThrow(InvalidRecordError);
      await expect(executions.decodeMany([good, good.subarray(0, 6)])).rejects.toThrow(/truncated buffer/);
    });
  });

  describe('errors', () => {
    it('names the fields of a record that does not match its schema', async () => {
      const executions = await createAvroSerde({ store: embedded }).forTopic(topic, v1);
      const encode = () => executions.encode({ id: 'e1', status: 'DONE', operations: 1.5 } as unknown as V1Record);
      expect(encode).toThrow(RecordValidationError);
      expect(encode).toThrow(InvalidRecordError);
      expect(encode).toThrow(
        `Record for topic "${topic}" does not match its schema test.v1.Execution: ` +
          'status: expected test.v1.Status, found string "DONE"; operations: expected int, found number 1.5.',
      );
    });

    it('refuses values that are not framed Avro', async () => {
      const executions = await createAvroSerde({ store: embedded }).forTopic(topic, v1);
      await expect(executions.decode(Buffer.from('{"id":"e1"}'))).rejects.toThrow(
        /magic byte 0x00 \(the value looks like JSON/,
      );
      await expect(executions.decode(Buffer.from([0, 0]))).rejects.toThrow(InvalidRecordError);
    });

    it('names an unknown schema id', async () => {
      const serde = createAvroSerde({ store: embedded });
      const executions = await serde.forTopic(topic, v1);
      const unknown = encodeWireFormat(4242, Buffer.from([2, 0x61]));
      await expect(executions.decode(unknown)).rejects.toThrow(NotFoundError);
      await expect(serde.decode(unknown)).rejects.toThrow(
        'Schema id 4242 is not in the embedded schema store in :memory:.',
      );
    });

    it('reports a corrupt body as bad data, not as a crash', async () => {
      const executions = await createAvroSerde({ store: embedded }).forTopic<V1Record>(topic, v1);
      const framed = executions.encode({ id: 'e1', status: 'SUCCESS', operations: 7 });
      const truncated = framed.subarray(0, framed.length - 1);
      await expect(executions.decode(truncated)).rejects.toThrow(InvalidRecordError);
      await expect(executions.decode(truncated)).rejects.toThrow(
        `Cannot decode the record of topic "${topic}" written with schema id ${executions.schemaId}: truncated buffer.`,
      );
      await expect(executions.decode(Buffer.concat([framed, Buffer.from([1])]))).rejects.toThrow(/trailing data/);
    });

    it('passes on a refusal of the store at registration', async () => {
      await createAvroSerde({ store: embedded }).forTopic(topic, v2);
      const incompatible = schema([
        { name: 'id', type: 'string' },
        { name: 'status', type: status(['UNKNOWN']) },
        { name: 'operations', type: 'long' },
        { name: 'required', type: 'string' },
      ]);
      await expect(createAvroSerde({ store: embedded }).forTopic(topic, incompatible)).rejects.toThrow(
        IncompatibleSchemaError,
      );
    });
  });
});
