import { describe, expect, it } from '@jest/globals';
import { InvalidRecordError } from '../errors/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../serde/index.js';
import { encodeWireFormat } from '../serde/wire-format.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { exampleEvents } from '../../schemas/examples.js';
import { testDatabase } from '../../test/support/sqlite.js';
import { avroTopic, jsonTopic } from './api.js';
import { bindSerdeCodec } from './serde-codec.js';

const exampleScenarioExecution = exampleEvents['com.makestream.v1.ScenarioExecution'];
const executions = avroTopic('make.executions.raw.v1', 'scenario-execution');

async function boundCodec() {
  const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: testDatabase() }) });
  const codec = await bindSerdeCodec(serde, [executions, jsonTopic('bench.json')]);
  return { serde, codec };
}

describe('serde codec', () => {
  it('decodes a value written with this process schema synchronously (no Promise), equal to the serde result', async () => {
    const { serde, codec } = await boundCodec();
    const bytes = codec.encode(executions, exampleScenarioExecution);
    const decoded = codec.decode(executions, bytes);
    expect(decoded).not.toBeInstanceOf(Promise);
    const viaSerde = await (
      await serde.forTopic(executions.topic, loadSchemaCatalog().byFile('scenario-execution').text)
    ).decode(bytes);
    expect(decoded).toEqual(viaSerde);
    expect(decoded).toEqual(exampleScenarioExecution);
  });

  it('hands a value of another writer schema to the async serde path (writer lookup, resolution)', async () => {
    const { serde, codec } = await boundCodec();
    const older = { type: 'record', name: 'Other', namespace: 'test.v1', fields: [{ name: 'id', type: 'string' }] };
    const otherId = await serde.store.register('other-value', JSON.stringify(older));
    const body = Buffer.from([2, 0x61]); // Avro string "a"
    const pending = codec.decode(executions, encodeWireFormat(otherId, body));
    expect(pending).toBeInstanceOf(Promise);
    // The writer schema cannot be read as a ScenarioExecution: the serde's error, asynchronously.
    await expect(pending).rejects.toThrow(/cannot be read as schema id/);
  });

  it('refuses a truncated body of its own schema with an InvalidRecordError naming the topic and schema id', async () => {
    const { codec } = await boundCodec();
    const bytes = codec.encode(executions, exampleScenarioExecution);
    const truncated = bytes.subarray(0, bytes.length - 3);
    expect(() => codec.decode(executions, truncated)).toThrow(InvalidRecordError);
    expect(() => codec.decode(executions, truncated)).toThrow(
      /topic "make\.executions\.raw\.v1" written with schema id \d+/,
    );
  });

  it('refuses bytes that are not in the wire format synchronously', async () => {
    const { codec } = await boundCodec();
    expect(() => codec.decode(executions, Buffer.from('{"json":true}'))).toThrow(/Confluent wire format/);
  });

  it('decodes JSON topics synchronously', async () => {
    const { codec } = await boundCodec();
    const spec = jsonTopic('bench.json');
    expect(codec.decode(spec, codec.encode(spec, { a: 1 }))).toEqual({ a: 1 });
  });
});
