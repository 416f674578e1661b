/**
 * Interop: Avro records that makestream produced (Kafka backend, Confluent wire format, schemas
 * in the registry) read by tools that are not ours. Confluent's Python client with its Avro
 * deserializer gets the same field values through the registry; Debian's kcat (no Avro support)
 * shows the raw wire header: magic byte 0 and the registered schema id.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exampleEvents } from '../../schemas/examples.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { partitionForKey } from '../../pipeline/log/partitioner.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';
import { bindTopic, createAvroSerde, createRegistrySchemaStore, type AvroSerde } from '../../pipeline/serde/index.js';
import { requireService } from '../support/services.js';
import { kcat, pythonWithConfluentKafka } from '../support/tools.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./confluent_consume.py', import.meta.url));

describe('interop with non-JavaScript Kafka clients', () => {
  const topic = `interop.executions.${Date.now()}`;
  const partitions = 4;
  let log: EventLog;
  let serde: AvroSerde;
  let bootstrap: string;
  let registryUrl: string;
  let schemaId: number;
  const produced: ScenarioExecution[] = [];

  beforeAll(async () => {
    bootstrap = (await requireService('kafka')).endpoints.bootstrap ?? '';
    registryUrl = (await requireService('registry')).endpoints.url ?? '';
    log = createKafkaLog({ brokers: [bootstrap], clientId: 'interop-test' });
    serde = createAvroSerde({ store: createRegistrySchemaStore({ url: registryUrl }) });
    await log.createTopics([{ name: topic, partitions }]);
    const executions = await bindTopic(serde, topic, 'scenario-execution');
    schemaId = executions.schemaId;
    const example = exampleEvents['com.makestream.v1.ScenarioExecution'];
    for (let i = 0; i < 6; i += 1) {
      produced.push({ ...example, scenarioId: 9000 + i, executionId: `${example.executionId}-${i}`, operations: i });
    }
    const producer = await log.producer();
    await producer.send(
      topic,
      produced.map((execution) => ({ key: String(execution.scenarioId), value: executions.encode(execution) })),
    );
    await producer.close();
  });

  afterAll(async () => {
    await log?.deleteTopics([topic]);
    await log?.close();
    await serde?.store.close();
  });

  it("Confluent's Python client decodes the same field values through the registry", async () => {
    const python = await pythonWithConfluentKafka();
    const { stdout } = await run(python, [script, bootstrap, registryUrl, topic, String(produced.length)], {
      timeout: 90_000,
    });
    const read = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; partition: number; schema_id: number; value: unknown });
    expect(read).toHaveLength(produced.length);
    for (const record of read) {
      const original = produced.find((e) => String(e.scenarioId) === record.key);
      expect(record.schema_id).toBe(schemaId);
      expect(record.value).toEqual(JSON.parse(JSON.stringify(original)));
      // librdkafka consumed from the partition Java's murmur2 gives the key: our partitioner agrees.
      expect(record.partition).toBe(partitionForKey(Buffer.from(record.key), partitions));
    }
  });

  it('kcat shows the Confluent wire header: magic byte 0 and the registered schema id', async () => {
    const binary = await kcat();
    const partition = partitionForKey(Buffer.from(String(produced[0]?.scenarioId)), partitions);
    const { stdout } = await run(
      binary,
      ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-c', '1', '-e', '-f', '%s'],
      { timeout: 60_000, encoding: 'buffer' },
    );
    const value = stdout as unknown as Buffer;
    expect(value.length).toBeGreaterThan(5);
    expect(value[0]).toBe(0);
    expect(value.readUInt32BE(1)).toBe(schemaId);
  });
});
