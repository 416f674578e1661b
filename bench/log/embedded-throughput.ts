/**
 * Produce and consume throughput of the embedded log in one Node process.
 *
 *   node --import tsx bench/log/embedded-throughput.ts [--records 200000] [--bytes 500] [--batch 1000]
 *        [--concurrency 1] [--partitions 6] [--synchronous full|normal] [--max-records 1000]
 *
 * Produces keyed records of about `--bytes` bytes (key + value + one header) in sends of `--batch`
 * records, `--concurrency` sends in flight at a time, then consumes them with one group member that
 * polls up to `--max-records` records and commits after every poll. Prints one JSON line per phase.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OutgoingRecord, TopicPartitionOffset } from '../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '500' },
    batch: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '6' },
    synchronous: { type: 'string', default: 'full' },
    'max-records': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1' },
  },
});
const total = Number(values.records);
const recordBytes = Number(values.bytes);
const batch = Number(values.batch);
const partitions = Number(values.partitions);
const synchronous = values.synchronous === 'normal' ? 'normal' : 'full';
const maxRecords = Number(values['max-records']);
const concurrency = Number(values.concurrency);

const dir = mkdtempSync(join(tmpdir(), 'makestream-bench-'));
const path = join(dir, 'log.db');
const log = createEmbeddedLog({ path, synchronous, maintenanceIntervalMs: 0 });
const topic = 'bench.records.v1';
await log.createTopics([{ name: topic, partitions }]);

const headers = { 'content-type': 'avro/binary' };
const overhead = 'scenario-0000'.length + 'content-type'.length + 'avro/binary'.length;
const payloads = Array.from({ length: 64 }, (_, i) => Buffer.alloc(Math.max(0, recordBytes - overhead), 97 + (i % 26)));
const records = (from: number): OutgoingRecord[] =>
  Array.from({ length: Math.min(batch, total - from) }, (_, i) => ({
    key: `scenario-${String((from + i) % 10_000).padStart(4, '0')}`,
    value: payloads[(from + i) % payloads.length]!,
    headers,
  }));

const report = (phase: string, count: number, ms: number): void => {
  const perSecond = Math.round((count / ms) * 1000);
  const megabytes = Math.round(((count * recordBytes) / ms / 1000) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({ phase, records: count, recordBytes, batch, concurrency, partitions, synchronous, ms: Math.round(ms), perSecond, megabytesPerSecond: megabytes })}\n`,
  );
};

const producer = await log.producer();
let started = performance.now();
for (let from = 0; from < total; from += batch * concurrency) {
  const sends: Promise<unknown>[] = [];
  for (let at = from; at < Math.min(total, from + batch * concurrency); at += batch)
    sends.push(producer.send(topic, records(at)));
  await Promise.all(sends);
}
report('produce', total, performance.now() - started);

const consumer = await log.consumer({ groupId: 'bench', topics: [topic], maxRecords });
started = performance.now();
let consumed = 0;
while (consumed < total) {
  const polled = await consumer.poll(1000);
  if (polled.length === 0) throw new Error(`consumer stalled after ${consumed} of ${total} records`);
  consumed += polled.length;
  const positions = new Map<number, TopicPartitionOffset>();
  for (const record of polled)
    positions.set(record.partition, { topic, partition: record.partition, offset: record.offset + 1 });
  await consumer.commit([...positions.values()]);
}
report('consume', consumed, performance.now() - started);

await log.close();
process.stdout.write(`${JSON.stringify({ file: path, bytes: statSync(path).size })}\n`);
rmSync(dir, { recursive: true, force: true });
