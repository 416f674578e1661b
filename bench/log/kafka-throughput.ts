/**
 * Produce and consume throughput of the Kafka EventLog backend (kafkajs underneath) against the
 * local broker, in one Node process.
 *
 *   node --import tsx bench/log/kafka-throughput.ts [--records 200000] [--bytes 500] [--batch 1000]
 *        [--in-flight 4] [--partitions 6] [--max-records 1000] [--compression none|gzip] [--linger 0]
 *
 * Produces keyed records of about `--bytes` bytes (key + value + one header) in sends of `--batch`
 * records, `--in-flight` sends at a time (the producer packs them into requests), then consumes
 * them with one group member that polls up to `--max-records` records and commits after every
 * poll. Prints one JSON line per phase. Needs `npx tsx infra/local/cli.ts up kafka`.
 */
import { parseArgs } from 'node:util';
import type { OutgoingRecord } from '../../pipeline/log/contract.js';
import { createKafkaLog } from '../../pipeline/log/kafka/index.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '500' },
    batch: { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '4' },
    partitions: { type: 'string', default: '6' },
    'max-records': { type: 'string', default: '1000' },
    compression: { type: 'string', default: 'none' },
    linger: { type: 'string', default: '0' },
    brokers: { type: 'string', default: '127.0.0.1:19092' },
  },
});
const total = Number(values.records);
const recordBytes = Number(values.bytes);
const batch = Number(values.batch);
const inFlight = Number(values['in-flight']);
const partitions = Number(values.partitions);
const maxRecords = Number(values['max-records']);
const compression = values.compression === 'gzip' ? 'gzip' : 'none';

const log = createKafkaLog({
  brokers: values.brokers.split(','),
  producer: { compression, lingerMs: Number(values.linger) },
  consumer: { bufferMaxRecords: Math.max(2000, 2 * maxRecords) },
});
const topic = `bench.kafka.${Date.now().toString(36)}`;
await log.createTopics([{ name: topic, partitions }]);

// ~recordBytes per record: a 16-byte key, one 12-byte header, the rest value (compressible like JSON).
const header = { source: 'bench-kafka' };
const valueBytes = Math.max(1, recordBytes - 16 - 'source'.length - header.source.length);
const payload = Buffer.from(JSON.stringify({ pad: 'x'.repeat(valueBytes) }).slice(0, valueBytes));
const records = (from: number, count: number): OutgoingRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `scenario-${String((from + i) % 10_000).padStart(7, '0')}`,
    value: payload,
    headers: header,
  }));

try {
  const producer = await log.producer();
  let next = 0;
  const started = performance.now();
  const sender = async (): Promise<void> => {
    while (next < total) {
      const from = next;
      const count = Math.min(batch, total - from);
      next += count;
      await producer.send(topic, records(from, count));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  const produceSeconds = (performance.now() - started) / 1000;
  await producer.close();
  console.log(
    JSON.stringify({
      phase: 'produce',
      records: total,
      recordBytes,
      batch,
      inFlight,
      compression,
      seconds: Number(produceSeconds.toFixed(2)),
      recordsPerSecond: Math.round(total / produceSeconds),
      megabytesPerSecond: Number(((total * recordBytes) / produceSeconds / 1e6).toFixed(1)),
    }),
  );

  const consumer = await log.consumer({ groupId: `${topic}.reader`, topics: [topic], maxRecords });
  let consumed = 0;
  let polls = 0;
  const consumeStarted = performance.now();
  const deadline = Date.now() + 300_000;
  while (consumed < total && Date.now() < deadline) {
    const polled = await consumer.poll(1000);
    if (polled.length === 0) continue;
    consumed += polled.length;
    polls++;
    const positions = new Map<number, number>();
    for (const record of polled) positions.set(record.partition, record.offset + 1);
    await consumer.commit([...positions].map(([partition, offset]) => ({ topic, partition, offset })));
  }
  const consumeSeconds = (performance.now() - consumeStarted) / 1000;
  await consumer.close();
  console.log(
    JSON.stringify({
      phase: 'consume',
      records: consumed,
      maxRecords,
      polls,
      seconds: Number(consumeSeconds.toFixed(2)),
      recordsPerSecond: Math.round(consumed / consumeSeconds),
      megabytesPerSecond: Number(((consumed * recordBytes) / consumeSeconds / 1e6).toFixed(1)),
    }),
  );
} finally {
  await log.deleteTopics([topic]).catch(() => undefined);
  await log.close();
}
