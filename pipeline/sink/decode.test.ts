import { describe, expect, it } from '@jest/globals';
import { exampleEvents } from '../../schemas/examples.js';
import { RetriableError } from '../errors/index.js';
import type { LogRecord } from '../log/contract.js';
import { avroTopic, jsonTopic } from '../runtime/api.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../serde/index.js';
import { testDatabase } from '../../test/support/sqlite.js';
import { createRecordDecoder } from './decode.js';

const record = (topic: string, value: Buffer | null): LogRecord => ({
  topic,
  partition: 0,
  offset: 7,
  key: null,
  value,
  headers: {},
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
    await expect(decode(record('make.metrics.v1', Buffer.from([0, 0, 0, 0, 1])))).rejects.toThrow(
      'registry unreachable',
    );
  });
});
