/**
 * Child process: appends batches to an embedded log in a loop and prints each acknowledged batch
 * (after its send resolved) as a JSON line, until the parent kills it with SIGKILL.
 *
 *   node --import tsx append-loop.ts '{"path": "...", "topic": "...", "writer": "w1", "batch": 20, "synchronous": "full"}'
 */
import { createEmbeddedLog, type Synchronous } from '../index.js';

const { path, topic, writer, batch, synchronous } = JSON.parse(process.argv[2] ?? '{}') as {
  path: string;
  topic: string;
  writer: string;
  batch: number;
  synchronous?: Synchronous;
};
const log = createEmbeddedLog({ path, synchronous, maintenanceIntervalMs: 0 });
const producer = await log.producer();
const payload = 'x'.repeat(400);
for (let sequence = 0; ; sequence++) {
  const records = Array.from({ length: batch }, (_, i) => ({
    key: `${writer}-${i}`,
    value: Buffer.from(JSON.stringify({ writer, batch: sequence, index: i, size: batch, payload })),
  }));
  const offsets = await producer.send(topic, records);
  process.stdout.write(
    `${JSON.stringify({ writer, batch: sequence, offsets: offsets.map(({ partition, offset }) => [partition, offset]) })}\n`,
  );
}
