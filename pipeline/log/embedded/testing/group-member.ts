/**
 * Child process: a consumer group member that polls forever and prints its assignment and the
 * offsets it received after every poll, until the parent kills it with SIGKILL.
 *
 *   node --import tsx group-member.ts '{"path": "...", "topic": "...", "groupId": "...", "sessionTimeoutMs": 1000}'
 */
import { createEmbeddedLog } from '../index.js';

const { path, topic, groupId, sessionTimeoutMs } = JSON.parse(process.argv[2] ?? '{}') as {
  path: string;
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
};
const log = createEmbeddedLog({ path, pollIntervalMs: 10, maintenanceIntervalMs: 0 });
const consumer = await log.consumer({ groupId, topics: [topic], sessionTimeoutMs });
for (;;) {
  const records = await consumer.poll(100);
  process.stdout.write(
    `${JSON.stringify({
      assignment: consumer.assignment().map((tp) => tp.partition),
      received: records.map(({ partition, offset }) => [partition, offset]),
    })}\n`,
  );
}
