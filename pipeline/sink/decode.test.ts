import { describe, expect, it } from '@jest/globals';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { exampleEvents } from '../../schemas/examples.js';
import { RetriableError } from '../errors/index.js';
import type { LogRecord } from '../log/contract.js';
import { avroTopic, jsonTopic, stringTopic } from '../runtime/api.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../serde/index.js';
import { testDatabase } from '../../test/support/sqlite.js';
import { createRecordDecoder } from './decode.js';

const record = (topic: string, value: Buffer | null, headers: Record<string, Buffer> = {}): LogRecord => ({
  topic,
  partition: 0,
  offset: 7,
  key: null,
  value,
  headers,
  timestamp: 0,
});

const serde = (): AvroSerde => createAvroSerde({ store: createEmbeddedSchemaStore({ database: testDatabase() }) });

describe('record decoder', () => {
  it('decodes Avro values into the reader schema and takes the eventId', async () => {
    const avro = serde();
    const decode = await createRecordDecoder([avroTopic('make.metrics.v1', 'metric-window')], avro);
    const window = exampleEvents['com.makestream.v1.MetricWindow'];
    const value = (await bindTopic(avro, 'make.metrics.v1', 'metric-window')).encode(window);
    const outcome = await decode(record('make.metrics.v1', value));
    expect(outcome).toMatchObject({ kind: 'item', item: { eventId: window.eventId, value: window } });
  });

  it('decodes with the catalog’s own reader Type (parsed once per catalog, not once per sink started)', async () => {
    const avro = serde();
    const catalog = loadSchemaCatalog();
    const file = catalog.byFile('metric-window');
    let reads = 0;
    const counting = new Proxy(file.type, {
      get(target, property, receiver) {
        if (property === 'decode') reads += 1;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const spied = {
      ...catalog,
      byFile: (name: string) => (name.startsWith('metric-window') ? { ...file, type: counting } : catalog.byFile(name)),
    };
    const decode = await createRecordDecoder([avroTopic('make.metrics.v1', 'metric-window')], avro, spied);
    const window = exampleEvents['com.makestream.v1.MetricWindow'];
    const value = (await bindTopic(avro, 'make.metrics.v1', 'metric-window')).encode(window);
    expect(await decode(record('make.metrics.v1', value))).toMatchObject({ kind: 'item', item: { value: window } });
    expect(await decode(record('make.metrics.v1', value))).toMatchObject({ kind: 'item' });
    expect(reads).toBe(2);
  });

  it('makes a dead letter of bytes that are not a framed Avro record, and of JSON without eventId', async () => {
    const decode = await createRecordDecoder(
      [avroTopic('make.metrics.v1', 'metric-window'), jsonTopic('internal')],
      serde(),
    );
    expect(await decode(record('make.metrics.v1', Buffer.from('garbage')))).toMatchObject({
      kind: 'dead',
      stage: 'serde',
    });
    expect(await decode(record('internal', Buffer.from('{"n":1}')))).toMatchObject({
      kind: 'dead',
      error: { message: expect.stringContaining('has no string eventId') },
    });
    expect(await decode(record('internal', Buffer.from('{"eventId":"e1"}')))).toMatchObject({
      kind: 'item',
      item: { eventId: 'e1' },
    });
  });

  it('skips tombstones and throws retriable serde errors instead of dead-lettering them', async () => {
    const flaky = serde();
    const decode = await createRecordDecoder([avroTopic('make.metrics.v1', 'metric-window')], {
      ...flaky,
      forTopic: async <T>(topic: string, schema: string | object) => {
        const bound = await flaky.forTopic<T>(topic, schema);
        return { ...bound, decode: async () => Promise.reject(new RetriableError('registry unreachable')) };
      },
    });
    expect(await decode(record('make.metrics.v1', null))).toEqual({ kind: 'skip', reason: 'tombstone' });
    // A writer id other than the topic's own needs the registry (the own one is decoded in place).
    await expect(decode(record('make.metrics.v1', Buffer.from([0, 0, 0, 0, 99])))).rejects.toThrow(
      'registry unreachable',
    );
  });

  it("decodes values of the own schema id in place, with the serde's values and errors", async () => {
    const avro = serde();
    const decode = await createRecordDecoder([avroTopic('make.metrics.v1', 'metric-window')], avro);
    const topicSerde = await bindTopic(avro, 'make.metrics.v1', 'metric-window');
    const window = exampleEvents['com.makestream.v1.MetricWindow'];
    const framed = topicSerde.encode(window);
    const outcome = decode(record('make.metrics.v1', framed));
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toEqual({
      kind: 'item',
      item: { eventId: window.eventId, value: await topicSerde.decode(framed), record: expect.anything() },
    });
    for (const [bytes, reason] of [
      [framed.subarray(0, framed.length - 3), 'truncated buffer'],
      [Buffer.concat([framed, Buffer.from([1])]), 'trailing data'],
    ] as const) {
      await expect(topicSerde.decode(bytes)).rejects.toThrow(reason);
      expect(decode(record('make.metrics.v1', bytes))).toMatchObject({
        kind: 'dead',
        stage: 'serde',
        error: {
          name: 'InvalidRecordError',
          message: `Cannot decode the record of topic "make.metrics.v1" written with schema id ${topicSerde.schemaId}: ${reason}.`,
        },
      });
    }
  });

  it('decodes values written with another schema of the subject through the serde (resolution)', async () => {
    const database = testDatabase();
    const reader = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    const decode = await createRecordDecoder([avroTopic('make.metrics.v1', 'metric-window')], reader);
    // Another process writes with a newer schema: one more field, with a default.
    const schema = JSON.parse(loadSchemaCatalog().byFile('metric-window').text) as { fields: object[] };
    const newer = { ...schema, fields: [...schema.fields, { name: 'extra', type: 'string', default: '' }] };
    const writer = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    const writerSerde = await writer.forTopic('make.metrics.v1', newer);
    const window = exampleEvents['com.makestream.v1.MetricWindow'];
    const outcome = decode(record('make.metrics.v1', writerSerde.encode({ ...window, extra: 'x' })));
    expect(outcome).toBeInstanceOf(Promise);
    expect(await outcome).toMatchObject({ kind: 'item', item: { eventId: window.eventId, value: window } });
  });
  it('reads a string topic as text (not JSON) with its event id from the event-id header', async () => {
    const decode = await createRecordDecoder([stringTopic('siem.cef.v1')], serde());
    const line = 'CEF:0|Make|makestream|1.0|error|Scenario failed|7|msg={"not":"parsed"}';
    const id = Buffer.from('6f1c2b1e-0000-5000-8000-000000000001');
    expect(decode(record('siem.cef.v1', Buffer.from(line), { 'event-id': id }))).toEqual({
      kind: 'item',
      item: { eventId: id.toString(), value: line, record: expect.anything() },
    });
    // Text that happens to be JSON stays text.
    expect(decode(record('siem.cef.v1', Buffer.from('{"eventId":"e1"}'), { 'event-id': id }))).toMatchObject({
      kind: 'item',
      item: { value: '{"eventId":"e1"}' },
    });
    expect(decode(record('siem.cef.v1', Buffer.from(line)))).toMatchObject({
      kind: 'dead',
      stage: 'serde',
      error: { message: expect.stringContaining('has no "event-id" header (its value is text)') },
    });
    expect(decode(record('siem.cef.v1', Buffer.from([0xc3, 0x28]), { 'event-id': id }))).toMatchObject({
      kind: 'dead',
      stage: 'serde',
      error: { name: 'InvalidRecordError', message: expect.stringContaining('not valid UTF-8') },
    });
  });
});
